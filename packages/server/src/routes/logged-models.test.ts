import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DIALECTS } from '../testing/databases.js'
import { createTestApp, type TestApp } from '../testing/test-app.js'
import { mlflow } from '../testing/http.js'

type Model = { info: { model_id: string; name: string; tags?: Array<{ key: string; value: string }> }; data: any }

for (const dialect of DIALECTS) {
  describe(`logged models API (${dialect})`, () => {
    let t: TestApp
    let api: ReturnType<typeof mlflow>
    let expId: string
    let otherExp: string
    let runId: string
    const ids: Record<string, string> = {}

    const create = async (body: Record<string, unknown>) => {
      const res = await api('POST', '/logged-models', { experiment_id: expId, ...body })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      return res.body.model as Model
    }
    const search = async (body: Record<string, unknown>) => {
      const res = await api('POST', '/logged-models/search', { experiment_ids: [expId], ...body })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      return res.body as { models?: Model[]; next_page_token?: string }
    }
    const names = (r: { models?: Model[] }) => (r.models ?? []).map((m) => m.info.name)
    const metric = (model_id: string, key: string, value: number | string, extra: Record<string, unknown> = {}) =>
      api('POST', '/runs/log-metric', { run_id: runId, key, value, timestamp: 10, step: 0, model_id, ...extra })

    before(async () => {
      t = await createTestApp(dialect)
      api = mlflow(t.app)
      expId = (await api('POST', '/experiments/create', { name: 'lm' })).body.experiment_id
      otherExp = (await api('POST', '/experiments/create', { name: 'lm-other' })).body.experiment_id
      runId = (await api('POST', '/runs/create', { experiment_id: expId })).body.run.info.run_id
      // Created in this order, so newest first is d, c, b, a.
      for (const [name, type, lr] of [['a', 'Classifier', '0.1'], ['b', 'Classifier', '0.01'], ['c', 'LLM', '0.1'], ['d', 'Agent', '1']]) {
        const m = await create({ name, model_type: type, source_run_id: runId, params: [{ key: 'lr', value: lr }], tags: [{ key: 'team', value: name === 'd' ? 'ops' : 'ml' }] })
        ids[name] = m.info.model_id
        await new Promise((r) => setTimeout(r, 3))
      }
      await api('POST', '/logged-models', { experiment_id: otherExp, name: 'elsewhere' })
      await metric(ids.a, 'acc', 0.9, { dataset_name: 'test', dataset_digest: 'd1' })
      await metric(ids.a, 'acc', 0.5, { dataset_name: 'train', dataset_digest: 'd0', timestamp: 11 })
      await metric(ids.b, 'acc', 0.7, { dataset_name: 'test', dataset_digest: 'd1' })
      await metric(ids.c, 'acc', 'NaN', { dataset_name: 'test', dataset_digest: 'd1' })
      await api('PATCH', `/logged-models/${ids.b}`, { status: 'LOGGED_MODEL_READY' })
      await api('PATCH', `/logged-models/${ids.c}`, { status: 2 })
    })
    after(() => t.dispose())

    test('search defaults to the live models of the given experiments, newest first', async () => {
      assert.deepEqual(names(await search({})), ['d', 'c', 'b', 'a'])
      assert.deepEqual(names(await search({ experiment_ids: [otherExp] })), ['elsewhere'])
      assert.deepEqual(names(await search({ experiment_ids: [expId, otherExp] })).length, 5)
      assert.deepEqual(await search({ experiment_ids: ['12345', 'not-an-id'] }), {})
    })

    test('filters on attributes, params, tags and metrics', async () => {
      assert.deepEqual(names(await search({ filter: "name = 'b'" })), ['b'])
      assert.deepEqual(names(await search({ filter: "attributes.name LIKE 'a%'" })), ['a'])
      assert.deepEqual(names(await search({ filter: "model_type IN ('LLM', 'Agent')" })), ['d', 'c'])
      assert.deepEqual(names(await search({ filter: "params.lr = '0.1'" })), ['c', 'a'])
      assert.deepEqual(names(await search({ filter: "params.lr != '0.1' AND tags.team = 'ml'" })), ['b'])
      assert.deepEqual(names(await search({ filter: 'metrics.acc > 0.6' })), ['b', 'a'])
      assert.deepEqual(names(await search({ filter: 'metrics.acc < 0.6' })), ['a'])
      // NaN compares unequal to everything and satisfies nothing else.
      assert.deepEqual(names(await search({ filter: 'metrics.acc != 0.7' })), ['c', 'a'])
      assert.deepEqual(names(await search({ filter: "status = 'READY'" })), ['c', 'b'])
      assert.deepEqual(names(await search({ filter: "status = 'LOGGED_MODEL_PENDING'" })), ['d', 'a'])
      const created = (await api('GET', `/logged-models/${ids.c}`)).body.model.info.creation_timestamp_ms
      assert.deepEqual(names(await search({ filter: `creation_timestamp >= ${created}` })), ['d', 'c'])
      assert.deepEqual(names(await search({ filter: `creation_time < ${created}` })), ['b', 'a'])
    })

    test('datasets narrow metric clauses, or require a metric on them', async () => {
      assert.deepEqual(names(await search({ filter: 'metrics.acc > 0.6', datasets: [{ dataset_name: 'train' }] })), [])
      assert.deepEqual(names(await search({ filter: 'metrics.acc < 0.6', datasets: [{ dataset_name: 'train', dataset_digest: 'd0' }] })), ['a'])
      assert.deepEqual(names(await search({ datasets: [{ dataset_name: 'test' }] })), ['c', 'b', 'a'])
      assert.deepEqual(names(await search({ datasets: [{ dataset_name: 'test', dataset_digest: 'nope' }] })), [])
    })

    test('order_by attributes and metrics (latest value, optionally on a dataset; missing and NaN last)', async () => {
      assert.deepEqual(names(await search({ order_by: [{ field_name: 'name' }] })), ['a', 'b', 'c', 'd'])
      assert.deepEqual(names(await search({ order_by: [{ field_name: 'creation_time', ascending: true }] })), ['a', 'b', 'c', 'd'])
      // a's latest acc is 0.5 (timestamp 11), b's 0.7; c's is NaN and d has none, so both come
      // last, newest first.
      assert.deepEqual(names(await search({ order_by: [{ field_name: 'metrics.acc', ascending: false }] })), ['b', 'a', 'd', 'c'])
      assert.deepEqual(
        names(await search({ order_by: [{ field_name: 'metrics.acc', ascending: true, dataset_name: 'test' }] })).slice(0, 2),
        ['b', 'a'],
      )
      assert.deepEqual(
        names(await search({ order_by: [{ field_name: 'metrics.acc', ascending: false, dataset_name: 'test', dataset_digest: 'd1' }] })).slice(0, 2),
        ['a', 'b'],
      )
    })

    test('pages with next_page_token until the last page, which has none', async () => {
      const first = await search({ max_results: 3 })
      assert.deepEqual(names(first), ['d', 'c', 'b'])
      assert.ok(first.next_page_token)
      const second = await search({ max_results: 3, page_token: first.next_page_token })
      assert.deepEqual(names(second), ['a'])
      assert.equal(second.next_page_token, undefined)
    })

    test('bad filters, sort keys, tokens and sizes are 400 INVALID_PARAMETER_VALUE naming the problem', async () => {
      const bad = async (body: Record<string, unknown>, pattern: RegExp) => {
        const res = await api('POST', '/logged-models/search', { experiment_ids: [expId], ...body })
        assert.equal(res.status, 400, JSON.stringify(res.body))
        assert.equal(res.body.error_code, 'INVALID_PARAMETER_VALUE')
        assert.match(res.body.message, pattern)
      }
      await bad({ filter: 'metrics.acc >> 1' }, />>/)
      await bad({ filter: "name = 'a' OR name = 'b'" }, /OR/)
      await bad({ filter: "metrics.acc = 'high'" }, /expected a number/)
      await bad({ filter: "runs.x = 'y'" }, /invalid entity type 'runs'/)
      await bad({ filter: "artifact_location = 'x'" }, /artifact_location/)
      await bad({ filter: 'params.lr > 1' }, /comparator '>'/)
      await bad({ order_by: [{ field_name: 'params.lr' }] }, /cannot order by params/)
      await bad({ order_by: [{ field_name: 'bogus' }] }, /bogus/)
      await bad({ order_by: [{ field_name: 'name', dataset_name: 'test' }] }, /metrics only/)
      await bad({ page_token: '%%%' }, /page token/)
      await bad({ max_results: 0 }, /max_results/)
      await bad({ datasets: [{ dataset_name: '' }] }, /dataset_name/)
      const none = await api('POST', '/logged-models/search', {})
      assert.equal(none.status, 400)
      assert.match(none.body.message, /experiment_ids/)
    })

    test('metrics with model_id stay run metrics too; the model lists every point with dataset and run', async () => {
      const model = (await api('GET', `/logged-models/${ids.a}`)).body.model as Model
      assert.deepEqual(model.data.metrics, [
        { key: 'acc', value: 0.9, timestamp: 10, step: 0, dataset_name: 'test', dataset_digest: 'd1', model_id: ids.a, run_id: runId },
        { key: 'acc', value: 0.5, timestamp: 11, step: 0, dataset_name: 'train', dataset_digest: 'd0', model_id: ids.a, run_id: runId },
      ])
      const run = (await api('GET', '/runs/get', { run_id: runId })).body.run
      const acc = run.data.metrics.find((m: { key: string }) => m.key === 'acc')
      assert.equal(acc.model_id, undefined)
      // A retried point is kept once, for the run and for the model.
      await metric(ids.a, 'acc', 0.9, { dataset_name: 'test', dataset_digest: 'd1' })
      assert.equal((await api('GET', `/logged-models/${ids.a}`)).body.model.data.metrics.length, 2)
    })

    test('log-batch with model_id validates the model before writing anything', async () => {
      const res = await api('POST', '/runs/log-batch', {
        run_id: runId,
        metrics: [
          { key: 'loss', value: 1, timestamp: 5, step: 0 },
          { key: 'loss', value: 2, timestamp: 6, step: 1, model_id: 'm-00000000000000000000000000000000' },
        ],
      })
      assert.equal(res.status, 404)
      assert.equal(res.body.error_code, 'RESOURCE_DOES_NOT_EXIST')
      const history = await api('GET', '/metrics/get-history', { run_id: runId, metric_key: 'loss' })
      assert.deepEqual(history.body, {})
      const long = await metric(ids.a, 'x', 1, { dataset_digest: 'd'.repeat(37) })
      assert.equal(long.status, 400)
    })

    test('log-inputs with models and runs/outputs show on the run', async () => {
      const run = (await api('POST', '/runs/create', { experiment_id: expId })).body.run.info.run_id
      assert.equal((await api('POST', '/runs/log-inputs', { run_id: run, models: [{ model_id: ids.b }] })).status, 200)
      assert.equal((await api('POST', '/runs/outputs', { run_id: run, models: [{ model_id: ids.c, step: '7' }] })).status, 200)
      const got = (await api('GET', '/runs/get', { run_id: run })).body.run
      assert.deepEqual(got.inputs, { model_inputs: [{ model_id: ids.b }] })
      assert.deepEqual(got.outputs, { model_outputs: [{ model_id: ids.c, step: 7 }] })
      const missing = await api('POST', '/runs/outputs', { run_id: run, models: [{ model_id: 'm-nope', step: 0 }] })
      assert.equal(missing.status, 404)
      const noStep = await api('POST', '/runs/outputs', { run_id: run, models: [{ model_id: ids.c }] })
      assert.equal(noStep.status, 400)
      await api('POST', '/runs/delete', { run_id: run })
      const deleted = await api('POST', '/runs/outputs', { run_id: run, models: [{ model_id: ids.c, step: 0 }] })
      assert.equal(deleted.status, 400)
    })

    test('params are write-once; tags are set, replaced and deleted (keys with slashes too)', async () => {
      const id = (await create({ name: 'tagged' })).info.model_id
      assert.equal((await api('POST', `/logged-models/${id}/params`, { model_id: id, params: [{ key: 'k', value: '1' }] })).status, 200)
      assert.equal((await api('POST', `/logged-models/${id}/params`, { model_id: id, params: [{ key: 'k', value: '1' }] })).status, 200)
      const changed = await api('POST', `/logged-models/${id}/params`, { model_id: id, params: [{ key: 'k', value: '2' }] })
      assert.equal(changed.status, 400)
      assert.equal(changed.body.error_code, 'INVALID_PARAMETER_VALUE')
      const set = await api('PATCH', `/logged-models/${id}/tags`, { tags: [{ key: 'a/b', value: '1' }, { key: 'x', value: '1' }] })
      assert.deepEqual(set.body.model.info.tags, [{ key: 'a/b', value: '1' }, { key: 'x', value: '1' }])
      await api('PATCH', `/logged-models/${id}/tags`, { tags: [{ key: 'x', value: '2' }] })
      // MLflow's client sends DELETE …/tags/<key> with no body and the key unencoded.
      const del = await t.app.inject({ method: 'DELETE', url: `/api/2.0/mlflow/logged-models/${id}/tags/a/b` })
      assert.equal(del.statusCode, 200, del.body)
      const model = (await api('GET', `/logged-models/${id}`)).body.model as Model
      assert.deepEqual(model.info.tags, [{ key: 'x', value: '2' }])
      assert.deepEqual(model.data.params, [{ key: 'k', value: '1' }])
      const again = await t.app.inject({ method: 'DELETE', url: `/api/2.0/mlflow/logged-models/${id}/tags/a/b` })
      assert.equal(again.statusCode, 404)
    })

    test('finalize accepts names and numbers; a bad status or a mismatched model_id is 400', async () => {
      const id = (await create({ name: 'fin' })).info.model_id
      const failed = await api('PATCH', `/logged-models/${id}`, { model_id: id, status: 'LOGGED_MODEL_UPLOAD_FAILED' })
      assert.equal(failed.body.model.info.status, 'LOGGED_MODEL_UPLOAD_FAILED')
      assert.equal((await api('PATCH', `/logged-models/${id}`, { status: 2 })).body.model.info.status, 'LOGGED_MODEL_READY')
      for (const status of ['DONE', 0, 9]) {
        const res = await api('PATCH', `/logged-models/${id}`, { status })
        assert.equal(res.status, 400, String(status))
        assert.match(res.body.message, /status/)
      }
      const missing = await api('PATCH', `/logged-models/${id}`, {})
      assert.equal(missing.status, 400)
      const other = await api('PATCH', `/logged-models/${id}`, { model_id: ids.a, status: 'LOGGED_MODEL_READY' })
      assert.equal(other.status, 400)
    })

    test('create checks the experiment, name, run and keys', async () => {
      const noExp = await api('POST', '/logged-models', { experiment_id: '999999' })
      assert.equal(noExp.status, 404)
      assert.equal(noExp.body.error_code, 'RESOURCE_DOES_NOT_EXIST')
      assert.equal((await api('POST', '/logged-models', {})).status, 400)
      assert.equal((await api('POST', '/logged-models', { experiment_id: expId, name: 'a/b' })).status, 400)
      assert.equal((await api('POST', '/logged-models', { experiment_id: expId, source_run_id: 'f'.repeat(32) })).status, 404)
      assert.equal((await api('POST', '/logged-models', { experiment_id: expId, params: [{ key: '../x', value: '1' }] })).status, 400)
      const named = await create({})
      assert.match(named.info.name, /^[a-z]+-[a-z]+-\d+$/)
      const gone = (await api('POST', '/experiments/create', { name: 'gone' })).body.experiment_id
      await api('POST', '/experiments/delete', { experiment_id: gone })
      assert.equal((await api('POST', '/logged-models', { experiment_id: gone })).status, 400)
    })

    test('unknown and deleted models are 404 RESOURCE_DOES_NOT_EXIST; delete takes no body and is repeatable', async () => {
      for (const [method, path, body] of [
        ['GET', '/logged-models/m-unknown', undefined],
        ['PATCH', '/logged-models/m-unknown', { status: 'LOGGED_MODEL_READY' }],
        ['DELETE', '/logged-models/m-unknown', {}],
        ['PATCH', '/logged-models/m-unknown/tags', { tags: [] }],
        ['POST', '/logged-models/m-unknown/params', { params: [] }],
        ['GET', '/logged-models/m-unknown/artifacts/directories', undefined],
      ] as const) {
        const res = await api(method, path, body)
        assert.equal(res.status, 404, `${method} ${path}`)
        assert.deepEqual(res.body, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Logged model with ID 'm-unknown' not found." })
      }
      const id = (await create({ name: 'doomed' })).info.model_id
      const del = await t.app.inject({ method: 'DELETE', url: `/api/2.0/mlflow/logged-models/${id}` })
      assert.equal(del.statusCode, 200, del.body)
      assert.deepEqual(JSON.parse(del.body), {})
      assert.equal((await api('GET', `/logged-models/${id}`)).status, 404)
      assert.ok(!names(await search({})).includes('doomed'))
      assert.equal((await api('DELETE', `/logged-models/${id}`, { model_id: id })).status, 200)
      assert.equal((await metric(id, 'acc', 1)).status, 404)
    })

    test('the ajax-api prefix serves the same endpoints', async () => {
      const res = await t.app.inject({ method: 'GET', url: `/ajax-api/2.0/mlflow/logged-models/${ids.a}` })
      assert.equal(res.statusCode, 200)
      assert.equal(JSON.parse(res.body).model.info.name, 'a')
    })
  })
}
