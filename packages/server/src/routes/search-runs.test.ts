import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DIALECTS } from '../testing/databases.js'
import { createTestApp, type TestApp } from '../testing/test-app.js'
import { mlflow } from '../testing/http.js'

interface RunSpec {
  name: string
  start: number
  metrics?: Record<string, number | string>
  params?: Record<string, string>
  tags?: Record<string, string>
}

// Times tie on purpose (delta/Epsilon) so the run-id tiebreaker is exercised.
const RUNS: RunSpec[] = [
  { name: 'alpha', start: 1000, metrics: { acc: 0.9, loss: 0.3 }, params: { lr: '0.1', opt: 'Adam', glob: 'a*b' }, tags: { team: 'NLP' } },
  { name: 'beta', start: 2000, metrics: { acc: 0.7, loss: 'Infinity' }, params: { lr: '0.01', opt: 'adam', glob: 'aXb' }, tags: { team: 'vision' } },
  { name: 'gamma', start: 3000, metrics: { acc: 'NaN' }, params: { lr: '0.1', glob: '[x]' } },
  { name: 'delta', start: 4000, metrics: { 'f1 score': 0.5 }, params: { lr: '0.001' }, tags: { team: 'nlp' } },
  { name: 'Epsilon', start: 4000, metrics: { acc: 0.9 }, params: { lr: '0.1' } },
]

for (const dialect of DIALECTS) {
  describe(`runs/search filters and order (${dialect})`, () => {
    let t: TestApp
    let api: ReturnType<typeof mlflow>
    let experimentId: string
    const ids: Record<string, string> = {}
    const nameOf: Record<string, string> = {}

    /** Searches the test experiment and returns the run names in the order served. */
    async function names(body: Record<string, unknown> = {}): Promise<string[]> {
      const res = await api('POST', '/runs/search', { experiment_ids: [experimentId], ...body })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      return (res.body.runs ?? []).map((r: { info: { run_id: string } }) => nameOf[r.info.run_id])
    }
    const matching = (filter: string) => names({ filter }).then((n) => n.sort())

    before(async () => {
      t = await createTestApp(dialect)
      api = mlflow(t.app)
      experimentId = (await api('POST', '/experiments/create', { name: 'search-runs' })).body.experiment_id
      for (const spec of [...RUNS, { name: 'zeta', start: 5000, metrics: { acc: 1 } }]) {
        const res = await api('POST', '/runs/create', { experiment_id: experimentId, run_name: spec.name, start_time: spec.start })
        const id = res.body.run.info.run_id
        ids[spec.name] = id
        nameOf[id] = spec.name
        const pairs = (o?: Record<string, unknown>) => Object.entries(o ?? {}).map(([key, value]) => ({ key, value }))
        const batch = await api('POST', '/runs/log-batch', {
          run_id: id,
          metrics: pairs(spec.metrics).map((m) => ({ ...m, timestamp: spec.start, step: 0 })),
          params: pairs(spec.params),
          tags: pairs(spec.tags),
        })
        assert.equal(batch.status, 200, JSON.stringify(batch.body))
      }
      await api('POST', '/runs/delete', { run_id: ids.zeta })
      await api('POST', '/runs/update', { run_id: ids.beta, status: 'FINISHED', end_time: 2500 })
      const input = (name: string, digest: string, context: string) => ({
        dataset: { name, digest, source_type: 'local', source: '/data' },
        tags: [{ key: 'mlflow.data.context', value: context }],
      })
      await api('POST', '/runs/log-inputs', { run_id: ids.alpha, datasets: [input('mnist', 'd1', 'training')] })
      await api('POST', '/runs/log-inputs', { run_id: ids.beta, datasets: [input('MNIST-test', 'd2', 'eval')] })
    })
    after(() => t.dispose())

    /** delta and Epsilon start at the same time; the run id decides. */
    const tiedAt4000 = () => ['delta', 'Epsilon'].sort((a, b) => (ids[a] < ids[b] ? -1 : 1))

    test('no filter: active runs, start_time DESC, then run id', async () => {
      assert.deepEqual(await names(), [...tiedAt4000(), 'gamma', 'beta', 'alpha'])
    })

    test('each numeric comparator on a metric', async () => {
      assert.deepEqual(await matching('metrics.acc > 0.8'), ['Epsilon', 'alpha'])
      assert.deepEqual(await matching('metrics.acc >= 0.7'), ['Epsilon', 'alpha', 'beta'])
      assert.deepEqual(await matching('metrics.acc < 0.9'), ['beta'])
      assert.deepEqual(await matching('metrics.acc <= 0.9'), ['Epsilon', 'alpha', 'beta'])
      assert.deepEqual(await matching('metric.acc = 0.7'), ['beta'])
      // gamma's acc is NaN, which differs from every number (IEEE, and MLflow)
      assert.deepEqual(await matching('metrics.acc != 0.7'), ['Epsilon', 'alpha', 'gamma'])
      assert.deepEqual(await matching('metrics.loss > 1e308'), ['beta'])
    })

    test('a NaN metric matches only != , not even = against the 0 it is stored as', async () => {
      for (const filter of ['metrics.acc = 0', 'metrics.acc < 100', 'metrics.acc > -100', 'metrics.acc >= 0', 'metrics.acc <= 0']) {
        assert.ok(!(await matching(filter)).includes('gamma'), filter)
      }
      assert.ok((await matching('metrics.acc != 5')).includes('gamma'))
    })

    test('params and tags: =, !=, IS NULL, IS NOT NULL', async () => {
      assert.deepEqual(await matching("params.lr = '0.1'"), ['Epsilon', 'alpha', 'gamma'])
      assert.deepEqual(await matching("parameters.lr != '0.1'"), ['beta', 'delta'])
      assert.deepEqual(await matching("tags.team = 'nlp'"), ['delta'])
      assert.deepEqual(await matching('tags.team IS NULL'), ['Epsilon', 'gamma'])
      assert.deepEqual(await matching('params.opt IS NOT NULL'), ['alpha', 'beta'])
    })

    test('LIKE is case-sensitive and ILIKE is not', async () => {
      assert.deepEqual(await matching("params.opt LIKE 'a%'"), ['beta'])
      assert.deepEqual(await matching("params.opt ILIKE 'A%'"), ['alpha', 'beta'])
      assert.deepEqual(await matching("tags.team LIKE 'nlp'"), ['delta'])
      assert.deepEqual(await matching("tags.team ILIKE 'NLP'"), ['alpha', 'delta'])
      assert.deepEqual(await matching("attributes.run_name ILIKE 'eps%'"), ['Epsilon'])
      assert.deepEqual(await matching("attributes.run_name LIKE 'eps%'"), [])
    })

    test('LIKE wildcards are % and _ only; *, ? and [ are literal on both dialects', async () => {
      assert.deepEqual(await matching("params.lr LIKE '0.0_'"), ['beta'])
      assert.deepEqual(await matching("params.lr LIKE '0.0%'"), ['beta', 'delta'])
      assert.deepEqual(await matching("params.glob LIKE 'a*b'"), ['alpha'])
      assert.deepEqual(await matching("params.glob LIKE 'a_b'"), ['alpha', 'beta'])
      assert.deepEqual(await matching("params.glob LIKE '[x]'"), ['gamma'])
      assert.deepEqual(await matching("params.glob ILIKE '[X]%'"), ['gamma'])
    })

    test('backticked and double-quoted keys', async () => {
      assert.deepEqual(await matching('metrics.`f1 score` = 0.5'), ['delta'])
      assert.deepEqual(await matching('metrics."f1 score" > 0.4'), ['delta'])
    })

    test('attributes: names, status, times, IN and NOT IN on run_id', async () => {
      assert.deepEqual(await matching("run_name = 'alpha'"), ['alpha'])
      assert.deepEqual(await matching("attributes.`Run name` != 'alpha' AND start_time < 3000"), ['beta'])
      assert.deepEqual(await matching("status = 'FINISHED'"), ['beta'])
      assert.deepEqual(await matching('attributes.start_time >= 4000'), ['Epsilon', 'delta'])
      assert.deepEqual(await matching('created < 2000.5 AND created > 1000.5'), ['beta'])
      assert.deepEqual(await matching('end_time = 2500'), ['beta'])
      assert.deepEqual(await matching(`run_id IN ('${ids.alpha}', '${ids.beta}', 'nope')`), ['alpha', 'beta'])
      assert.deepEqual(await matching(`attributes.run_id NOT IN ('${ids.alpha}')`), ['Epsilon', 'beta', 'delta', 'gamma'])
      assert.deepEqual(await matching(`run.run_id = '${ids.gamma}'`), ['gamma'])
    })

    test('datasets: name, digest and context (an input tag)', async () => {
      assert.deepEqual(await matching("datasets.name = 'mnist'"), ['alpha'])
      assert.deepEqual(await matching("datasets.name LIKE 'mnist%'"), ['alpha'])
      assert.deepEqual(await matching("datasets.name ILIKE 'mnist%'"), ['alpha', 'beta'])
      assert.deepEqual(await matching("dataset.digest IN ('d2', 'd9')"), ['beta'])
      assert.deepEqual(await matching("datasets.context = 'training'"), ['alpha'])
      assert.deepEqual(await matching("datasets.context != 'training'"), ['beta'])
    })

    test('several comparisons must all hold', async () => {
      assert.deepEqual(await matching("metrics.acc > 0.5 AND params.lr = '0.1' AND tags.team ILIKE 'nlp'"), ['alpha'])
    })

    test('order by a metric: values, then NaN, then runs without it, in either direction', async () => {
      // alpha and Epsilon tie on acc; start_time DESC breaks the tie.
      assert.deepEqual(await names({ order_by: ['metrics.acc DESC'] }), ['Epsilon', 'alpha', 'beta', 'gamma', 'delta'])
      assert.deepEqual(await names({ order_by: ['metrics.acc'] }), ['beta', 'Epsilon', 'alpha', 'gamma', 'delta'])
    })

    test('order by params, tags and attributes; missing keys last; clauses combine', async () => {
      // Code-point order: 'Adam' before 'adam'; the runs without opt follow in the default order.
      assert.deepEqual(await names({ order_by: ['params.opt ASC'] }), ['alpha', 'beta', ...tiedAt4000(), 'gamma'])
      assert.deepEqual(await names({ order_by: ['tags.team DESC'] }), ['beta', 'delta', 'alpha', 'Epsilon', 'gamma'])
      assert.deepEqual(await names({ order_by: ['params.lr', 'metrics.acc DESC'] }), ['delta', 'beta', 'Epsilon', 'alpha', 'gamma'])
      assert.deepEqual(await names({ order_by: ['attributes.start_time ASC', 'run_name'] }), ['alpha', 'beta', 'gamma', 'Epsilon', 'delta'])
      assert.deepEqual((await names({ order_by: ['end_time DESC'] }))[0], 'beta')
      assert.deepEqual(await names({ order_by: ['metrics.`f1 score` DESC'], max_results: 1 }), ['delta'])
    })

    test('page tokens walk every run exactly once, whatever the order', async () => {
      for (const order_by of [[], ['metrics.acc DESC'], ['params.lr']]) {
        const all = await names({ order_by })
        const seen: string[] = []
        let page_token: string | undefined
        let pages = 0
        do {
          const res = await api('POST', '/runs/search', { experiment_ids: [experimentId], order_by, max_results: 2, page_token })
          assert.equal(res.status, 200)
          seen.push(...res.body.runs.map((r: { info: { run_id: string } }) => nameOf[r.info.run_id]))
          page_token = res.body.next_page_token
          pages++
        } while (page_token)
        assert.equal(pages, 3)
        assert.deepEqual(seen, all)
      }
    })

    test('run_view_type selects active, deleted or all runs', async () => {
      assert.deepEqual(await names({ run_view_type: 'DELETED_ONLY' }), ['zeta'])
      assert.equal((await names({ run_view_type: 'ALL' })).length, 6)
      assert.deepEqual(await names({ run_view_type: 'ALL', filter: 'metrics.acc >= 1' }), ['zeta'])
      assert.equal((await names({ run_view_type: 'ACTIVE_ONLY' })).length, 5)
    })

    test('malformed filters and order_by are 400 INVALID_PARAMETER_VALUE naming the token, and change nothing', async () => {
      const snapshot = () => api('POST', '/runs/search', { experiment_ids: [experimentId], run_view_type: 'ALL' })
      const before = await snapshot()
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ filter: 'metrics.acc >> 1' }, /^Invalid filter 'metrics.acc >> 1': unexpected token '>>' at position 12/],
        [{ filter: 'metrics.acc > 1 OR params.lr = 1' }, /^Invalid clause\(s\) in filter string: 'OR'/],
        [{ filter: "metrics.acc LIKE 'x'" }, /comparator 'LIKE' at position 12/],
        [{ filter: "params.lr = 'unterminated" }, /unterminated string starting at position 12/],
        [{ filter: "status IN ('RUNNING')" }, /comparator 'IN' at position 7/],
        [{ filter: "foo.bar = 'x'" }, /invalid entity type 'foo' at position 0/],
        [{ order_by: ['metrics.acc SIDEWAYS'] }, /^Invalid order_by clause 'metrics.acc SIDEWAYS': unexpected token 'SIDEWAYS' at position 12/],
        [{ order_by: ['datasets.name'] }, /invalid dataset key 'name'/],
        [{ order_by: ['metrics.acc', 'metric.acc DESC'] }, /duplicate fields/],
      ]
      for (const [body, message] of cases) {
        const res = await api('POST', '/runs/search', { experiment_ids: [experimentId], ...body })
        assert.equal(res.status, 400, JSON.stringify(body))
        assert.deepEqual(Object.keys(res.body).sort(), ['error_code', 'message'])
        assert.equal(res.body.error_code, 'INVALID_PARAMETER_VALUE')
        assert.match(res.body.message, message)
      }
      // A bad filter is reported even when no experiment could match.
      const empty = await api('POST', '/runs/search', { experiment_ids: [], filter: 'metrics.acc >> 1' })
      assert.equal(empty.status, 400)
      assert.deepEqual((await snapshot()).body, before.body)
    })

    test('several experiments at once', async () => {
      const other = (await api('POST', '/experiments/create', { name: 'search-runs-2' })).body.experiment_id
      const run = (await api('POST', '/runs/create', { experiment_id: other, run_name: 'other', start_time: 10 })).body.run.info.run_id
      await api('POST', '/runs/log-batch', { run_id: run, metrics: [{ key: 'acc', value: 0.95, timestamp: 10, step: 0 }] })
      const res = await api('POST', '/runs/search', { experiment_ids: [experimentId, other], filter: 'metrics.acc > 0.8', order_by: ['metrics.acc DESC'] })
      assert.deepEqual(res.body.runs.map((r: { info: { run_id: string } }) => r.info.run_id), [run, ids.Epsilon, ids.alpha])
    })
  })
}
