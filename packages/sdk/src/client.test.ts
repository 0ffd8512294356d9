import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DIALECTS } from '@railyard/server/testing/databases.js'
import { AlreadyExistsError, ApiError, InvalidParameterError, NotFoundError } from '@railyard/api'
import { RailyardClient } from './client.js'
import { ConnectionError } from './http.js'
import { startTestServer, type TestServer } from './testing/server.js'

for (const dialect of DIALECTS) {
  describe(`RailyardClient over HTTP (${dialect})`, () => {
    let server: TestServer
    let client: RailyardClient
    before(async () => {
      server = await startTestServer(dialect)
      client = new RailyardClient({ trackingUri: server.url, retries: { retries: 2, baseDelayMs: 5 } })
    })
    after(() => server.close())

    test('experiments: create, get, get by name, rename, tag, delete, restore, search', async () => {
      const id = await client.experiments.create({ name: 'sdk-exp', tags: [{ key: 'team', value: 'nlp' }] })
      const exp = await client.experiments.get(id)
      assert.equal(exp.name, 'sdk-exp')
      assert.deepEqual(exp.tags, [{ key: 'team', value: 'nlp' }])
      assert.equal((await client.experiments.getByName('sdk-exp')).experiment_id, id)
      await client.experiments.update({ experiment_id: id, new_name: 'sdk-exp-2' })
      await client.experiments.setTag({ experiment_id: id, key: 'k', value: 'v' })
      await client.experiments.deleteTag({ experiment_id: id, key: 'team' })
      assert.deepEqual((await client.experiments.get(id)).tags, [{ key: 'k', value: 'v' }])
      await client.experiments.delete(id)
      assert.equal((await client.experiments.get(id)).lifecycle_stage, 'deleted')
      const active = await client.experiments.search({ max_results: 1000 })
      assert.ok(!active.items.some((e) => e.experiment_id === id))
      await client.experiments.restore(id)
      const found = await client.experiments.search({ filter: "name = 'sdk-exp-2'" })
      assert.deepEqual(found.items.map((e) => e.experiment_id), [id])
      assert.equal(await client.experiments.findByName('no-such-experiment'), undefined)
    })

    test('searchAll follows page tokens', async () => {
      for (let i = 0; i < 5; i++) await client.experiments.create({ name: `paged-${i}` })
      const names: string[] = []
      for await (const e of client.experiments.searchAll({ max_results: 2, filter: "name LIKE 'paged-%'" })) names.push(e.name)
      assert.deepEqual(names.sort(), ['paged-0', 'paged-1', 'paged-2', 'paged-3', 'paged-4'])
    })

    test('runs: create, log, get, update, search, delete, restore', async () => {
      const expId = await client.experiments.create({ name: 'runs-flow' })
      const run = await client.runs.create({ experiment_id: expId, run_name: 'r1', tags: [{ key: 'a', value: '1' }] })
      const runId = run.info.run_id
      assert.equal(run.info.status, 'RUNNING')
      await client.runs.logParam({ run_id: runId, key: 'lr', value: '0.1' })
      await client.runs.logMetric({ run_id: runId, key: 'loss', value: 0.5, step: 1 })
      await client.runs.setTag({ run_id: runId, key: 'b', value: '2' })
      await client.runs.deleteTag({ run_id: runId, key: 'a' })
      await client.runs.logBatch({
        run_id: runId,
        metrics: [{ key: 'loss', value: 0.25, step: 2, timestamp: 1000 }],
        params: [{ key: 'epochs', value: '3' }],
        tags: [{ key: 'c', value: '3' }],
      })
      await client.runs.logInputs({
        run_id: runId,
        datasets: [{ dataset: { name: 'train', digest: 'abc', source_type: 'local', source: '/data' } }],
      })
      const got = await client.runs.get(runId)
      assert.deepEqual(got.data.params?.map((p) => p.key).sort(), ['epochs', 'lr'])
      assert.deepEqual(got.data.metrics, [{ key: 'loss', value: 0.25, timestamp: 1000, step: 2 }])
      const tagKeys = got.data.tags?.map((t) => t.key) ?? []
      assert.ok(tagKeys.includes('b') && tagKeys.includes('c') && !tagKeys.includes('a'))
      assert.equal(got.inputs.dataset_inputs?.[0].dataset.name, 'train')

      const info = await client.runs.update({ run_id: runId, status: 'FINISHED', end_time: 2000 })
      assert.equal(info.status, 'FINISHED')
      assert.equal(info.end_time, 2000)
      const page = await client.runs.search({ experiment_ids: [expId], filter: 'metrics.loss < 0.3', order_by: ['attributes.start_time DESC'] })
      assert.deepEqual(page.items.map((r) => r.info.run_id), [runId])
      await client.runs.delete(runId)
      assert.equal((await client.runs.search({ experiment_ids: [expId] })).items.length, 0)
      await client.runs.restore(runId)
      assert.equal((await client.runs.get(runId)).info.lifecycle_stage, 'active')
    })

    test('NaN and infinities travel as MLflow strings; metricHistory follows page tokens', async () => {
      const run = await client.runs.create({})
      const runId = run.info.run_id
      const values = [NaN, Infinity, -Infinity, 1.5, 0]
      await client.runs.logBatch({ run_id: runId, metrics: values.map((value, step) => ({ key: 'x', value, step, timestamp: 7 })) })
      const history = await client.runs.metricHistory(runId, 'x', { pageSize: 2 })
      assert.deepEqual(history.map((m) => m.value), ['NaN', 'Infinity', '-Infinity', 1.5, 0])
      assert.deepEqual(history.map((m) => m.step), [0, 1, 2, 3, 4])
    })

    test('GET sends arrays as repeated query parameters', async () => {
      const a = (await client.runs.create({})).info.run_id
      const b = (await client.runs.create({})).info.run_id
      await client.runs.logMetric({ run_id: a, key: 'm', value: 1, step: 1 })
      await client.runs.logMetric({ run_id: b, key: 'm', value: 2, step: 1 })
      const res = await client.call('getMetricHistoryBulkInterval', { run_ids: [a, b], metric_key: 'm' })
      assert.deepEqual(res.metrics?.map((m) => m.run_id).sort(), [a, b].sort())
    })

    test('error bodies become the @railyard/api error classes, without retries on 4xx', async () => {
      await assert.rejects(client.experiments.get('424242'), (err: unknown) => {
        assert.ok(err instanceof NotFoundError)
        assert.equal(err.status, 404)
        assert.match(err.message, /424242/)
        return true
      })
      await client.experiments.create({ name: 'twice' })
      await assert.rejects(client.experiments.create({ name: 'twice' }), AlreadyExistsError)
      const run = await client.runs.create({})
      await client.runs.logParam({ run_id: run.info.run_id, key: 'p', value: '1' })
      await assert.rejects(client.runs.logParam({ run_id: run.info.run_id, key: 'p', value: '2' }), InvalidParameterError)
      await assert.rejects(client.runs.search({ filter: 'metrics.x >>> 1' }), InvalidParameterError)
      // A path the server does not serve: a non-JSON 404 still becomes an ApiError with the status.
      await assert.rejects(client.transport.json('GET', '/api/2.0/mlflow/no-such-endpoint'), (err: unknown) => {
        assert.ok(err instanceof ApiError)
        assert.equal(err.status, 404)
        return true
      })
    })
  })
}

describe('RailyardClient configuration', () => {
  test('an unreachable server is a ConnectionError after the retries', async () => {
    const client = new RailyardClient({ trackingUri: 'http://127.0.0.1:9', retries: { retries: 2, baseDelayMs: 1 } })
    await assert.rejects(client.experiments.get('0'), (err: unknown) => {
      assert.ok(err instanceof ConnectionError)
      assert.match(err.message, /failed after 3 attempts/)
      return true
    })
  })

  test('the tracking URI comes from RAILYARD_TRACKING_URI, then MLFLOW_TRACKING_URI, then the default', () => {
    const saved = { r: process.env.RAILYARD_TRACKING_URI, m: process.env.MLFLOW_TRACKING_URI }
    try {
      delete process.env.RAILYARD_TRACKING_URI
      delete process.env.MLFLOW_TRACKING_URI
      assert.equal(new RailyardClient().trackingUri, 'http://127.0.0.1:5000')
      process.env.MLFLOW_TRACKING_URI = 'http://mlflow.example:5000/'
      assert.equal(new RailyardClient().trackingUri, 'http://mlflow.example:5000')
      process.env.RAILYARD_TRACKING_URI = 'http://railyard.example:8080'
      assert.equal(new RailyardClient().trackingUri, 'http://railyard.example:8080')
      assert.equal(new RailyardClient({ trackingUri: 'https://x.example' }).trackingUri, 'https://x.example')
      assert.throws(() => new RailyardClient({ trackingUri: 'file:///tmp/mlruns' }), /HTTP/)
    } finally {
      restoreEnv('RAILYARD_TRACKING_URI', saved.r)
      restoreEnv('MLFLOW_TRACKING_URI', saved.m)
    }
  })

  test('custom fetch and headers are used for every request', async () => {
    const seen: Array<{ url: string; auth: string | null }> = []
    const fakeFetch = async (input: string | URL, init?: RequestInit) => {
      seen.push({ url: String(input), auth: new Headers(init?.headers).get('authorization') })
      return new Response(JSON.stringify({ experiment: { experiment_id: '0', name: 'Default' } }), { status: 200 })
    }
    const client = new RailyardClient({ trackingUri: 'http://h:1', fetch: fakeFetch, headers: { authorization: 'Bearer t' } })
    assert.equal((await client.experiments.get('0')).name, 'Default')
    assert.deepEqual(seen, [{ url: 'http://h:1/api/2.0/mlflow/experiments/get?experiment_id=0', auth: 'Bearer t' }])
  })
})

function restoreEnv(key: string, value: string | undefined) {
  if (value === undefined) delete process.env[key]
  else process.env[key] = value
}
