import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DIALECTS } from '../testing/databases.js'
import { createTestApp, type TestApp } from '../testing/test-app.js'
import { mlflow } from '../testing/http.js'

for (const dialect of DIALECTS) {
  describe(`runs API (${dialect})`, () => {
    let t: TestApp
    let api: ReturnType<typeof mlflow>
    let expId: string
    before(async () => {
      t = await createTestApp(dialect)
      api = mlflow(t.app)
      expId = (await api('POST', '/experiments/create', { name: 'runs' })).body.experiment_id
    })
    after(() => t.dispose())

    const newRun = async (extra: Record<string, unknown> = {}) =>
      (await api('POST', '/runs/create', { experiment_id: expId, ...extra })).body.run

    test('create returns a RUNNING run with MLflow fields', async () => {
      const res = await api('POST', '/runs/create', {
        experiment_id: expId,
        run_name: 'first',
        start_time: 1700000000000,
        user_id: 'ada',
        tags: [{ key: 'team', value: 'nlp' }],
      })
      assert.equal(res.status, 200)
      const { info, data } = res.body.run
      assert.match(info.run_id, /^[0-9a-f]{32}$/)
      assert.equal(info.run_uuid, info.run_id)
      assert.equal(info.run_name, 'first')
      assert.equal(info.experiment_id, expId)
      assert.equal(info.user_id, 'ada')
      assert.equal(info.status, 'RUNNING')
      assert.equal(info.start_time, 1700000000000)
      assert.equal(info.end_time, undefined)
      assert.equal(info.lifecycle_stage, 'active')
      assert.equal(info.artifact_uri, `mlflow-artifacts:/${expId}/${info.run_id}/artifacts`)
      assert.deepEqual(data.tags, [
        { key: 'mlflow.runName', value: 'first' },
        { key: 'team', value: 'nlp' },
      ])
    })

    test('create without a name gets a generated one; int64 may come as strings', async () => {
      const res = await api('POST', '/runs/create', { experiment_id: expId, start_time: '1700000000001' })
      assert.equal(res.status, 200)
      assert.match(res.body.run.info.run_name, /^[a-z]+-[a-z]+-\d+$/)
      assert.equal(res.body.run.info.start_time, 1700000000001)
    })

    test('create in the Default experiment when experiment_id is absent', async () => {
      const res = await api('POST', '/runs/create', {})
      assert.equal(res.body.run.info.experiment_id, '0')
    })

    test('log-metric, log-parameter, set-tag, get and metric history', async () => {
      const run = await newRun()
      const id = run.info.run_id
      for (const [step, value] of [[0, 1.5], [1, 1.2], [2, 0.9]] as const) {
        const r = await api('POST', '/runs/log-metric', { run_id: id, key: 'loss', value, timestamp: 1000 + step, step })
        assert.deepEqual(r.body, {})
      }
      await api('POST', '/runs/log-metric', { run_id: id, key: 'weird', value: 'NaN', timestamp: 5 })
      await api('POST', '/runs/log-metric', { run_id: id, key: 'big', value: 'Infinity', timestamp: 5 })
      assert.deepEqual((await api('POST', '/runs/log-parameter', { run_id: id, key: 'lr', value: '0.1' })).body, {})
      assert.deepEqual((await api('POST', '/runs/set-tag', { run_id: id, key: 'stage', value: 'dev' })).body, {})
      const got = await api('GET', '/runs/get', { run_id: id })
      assert.equal(got.status, 200)
      assert.deepEqual(got.body.run.data.metrics, [
        { key: 'big', value: 'Infinity', timestamp: 5, step: 0 },
        { key: 'loss', value: 0.9, timestamp: 1002, step: 2 },
        { key: 'weird', value: 'NaN', timestamp: 5, step: 0 },
      ])
      assert.deepEqual(got.body.run.data.params, [{ key: 'lr', value: '0.1' }])
      const hist = await api('GET', '/metrics/get-history', { run_id: id, metric_key: 'loss' })
      assert.deepEqual(hist.body, {
        metrics: [
          { key: 'loss', value: 1.5, timestamp: 1000, step: 0 },
          { key: 'loss', value: 1.2, timestamp: 1001, step: 1 },
          { key: 'loss', value: 0.9, timestamp: 1002, step: 2 },
        ],
      })
      const page1 = await api('GET', '/metrics/get-history', { run_id: id, metric_key: 'loss', max_results: 2 })
      assert.equal(page1.body.metrics.length, 2)
      assert.ok(page1.body.next_page_token)
      const page2 = await api('GET', '/metrics/get-history', {
        run_id: id, metric_key: 'loss', max_results: 2, page_token: page1.body.next_page_token,
      })
      assert.deepEqual(page2.body.metrics.map((m: { step: number }) => m.step), [2])
      assert.equal(page2.body.next_page_token, undefined)
      // run_uuid is still accepted
      assert.equal((await api('GET', '/runs/get', { run_uuid: id })).body.run.info.run_id, id)
    })

    test('the latest value follows the highest step, not the last write', async () => {
      const id = (await newRun()).info.run_id
      await api('POST', '/runs/log-metric', { run_id: id, key: 'acc', value: 0.9, timestamp: 10, step: 5 })
      await api('POST', '/runs/log-metric', { run_id: id, key: 'acc', value: 0.1, timestamp: 20, step: 1 })
      const got = await api('GET', '/runs/get', { run_id: id })
      assert.deepEqual(got.body.run.data.metrics, [{ key: 'acc', value: 0.9, timestamp: 10, step: 5 }])
    })

    test('params are write-once: same value fine, different value rejected', async () => {
      const id = (await newRun()).info.run_id
      await api('POST', '/runs/log-parameter', { run_id: id, key: 'lr', value: '0.1' })
      assert.equal((await api('POST', '/runs/log-parameter', { run_id: id, key: 'lr', value: '0.1' })).status, 200)
      const changed = await api('POST', '/runs/log-parameter', { run_id: id, key: 'lr', value: '0.2' })
      assert.equal(changed.status, 400)
      assert.equal(changed.body.error_code, 'INVALID_PARAMETER_VALUE')
      assert.match(changed.body.message, /lr/)
      const got = await api('GET', '/runs/get', { run_id: id })
      assert.deepEqual(got.body.run.data.params, [{ key: 'lr', value: '0.1' }])
    })

    test('log-batch writes everything; a retried identical batch adds no points', async () => {
      const id = (await newRun()).info.run_id
      const batch = {
        run_id: id,
        metrics: Array.from({ length: 1000 }, (_, i) => ({ key: 'loss', value: 1 / (i + 1), timestamp: 1000 + i, step: i })),
      }
      assert.deepEqual((await api('POST', '/runs/log-batch', batch)).body, {})
      await api('POST', '/runs/log-batch', batch)
      await api('POST', '/runs/log-batch', {
        run_id: id,
        params: [{ key: 'epochs', value: '3' }],
        tags: [{ key: 't', value: 'a' }, { key: 't', value: 'b' }],
      })
      const hist = await api('GET', '/metrics/get-history', { run_id: id, metric_key: 'loss' })
      assert.equal(hist.body.metrics.length, 1000)
      const got = await api('GET', '/runs/get', { run_id: id })
      assert.deepEqual(got.body.run.data.params, [{ key: 'epochs', value: '3' }])
      assert.equal(got.body.run.data.tags.find((x: { key: string }) => x.key === 't').value, 'b')
    })

    test('log-batch limits and bad entries are rejected atomically', async () => {
      const id = (await newRun()).info.run_id
      await api('POST', '/runs/log-parameter', { run_id: id, key: 'p', value: '1' })
      const snapshot = (await api('GET', '/runs/get', { run_id: id })).body
      const tooMany = await api('POST', '/runs/log-batch', {
        run_id: id,
        metrics: Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: i, step: i })),
      })
      assert.equal(tooMany.status, 400)
      assert.match(tooMany.body.message, /at most 1000 metrics/)
      const tooManyParams = await api('POST', '/runs/log-batch', {
        run_id: id, params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'x' })),
      })
      assert.match(tooManyParams.body.message, /at most 100 params/)
      const total = await api('POST', '/runs/log-batch', {
        run_id: id,
        metrics: Array.from({ length: 950 }, (_, i) => ({ key: 'm', value: i, timestamp: i, step: i })),
        params: Array.from({ length: 51 }, (_, i) => ({ key: `q${i}`, value: 'x' })),
      })
      assert.match(total.body.message, /at most 1000 total entities/)
      const dupParams = await api('POST', '/runs/log-batch', {
        run_id: id, params: [{ key: 'a', value: '1' }, { key: 'a', value: '2' }],
      })
      assert.match(dupParams.body.message, /Duplicate parameter keys/)
      // a valid metric together with a param change: nothing of the batch is stored
      const mixed = await api('POST', '/runs/log-batch', {
        run_id: id,
        metrics: [{ key: 'ok', value: 1, timestamp: 1, step: 0 }],
        params: [{ key: 'p', value: '2' }],
        tags: [{ key: 'new', value: 'tag' }],
      })
      assert.equal(mixed.status, 400)
      const badName = await api('POST', '/runs/log-batch', {
        run_id: id, metrics: [{ key: '../escape', value: 1, timestamp: 1 }],
      })
      assert.equal(badName.status, 400)
      assert.match(badName.body.message, /Names may be treated as files/)
      const wrongType = await api('POST', '/runs/log-batch', {
        run_id: id, metrics: [{ key: 'm', value: 'high', timestamp: 1 }],
      })
      assert.equal(wrongType.status, 400)
      assert.equal(wrongType.body.error_code, 'INVALID_PARAMETER_VALUE')
      const missingTs = await api('POST', '/runs/log-batch', { run_id: id, metrics: [{ key: 'm', value: 1 }] })
      assert.match(missingTs.body.message, /timestamp/)
      assert.deepEqual((await api('GET', '/runs/get', { run_id: id })).body, snapshot)
      assert.equal((await api('GET', '/metrics/get-history', { run_id: id, metric_key: 'ok' })).body.metrics, undefined)
    })

    test('update sets status, end time and name', async () => {
      const id = (await newRun()).info.run_id
      const res = await api('POST', '/runs/update', { run_id: id, status: 'FINISHED', end_time: 1700000009999, run_name: 'renamed' })
      assert.equal(res.status, 200)
      assert.equal(res.body.run_info.status, 'FINISHED')
      assert.equal(res.body.run_info.end_time, 1700000009999)
      assert.equal(res.body.run_info.run_name, 'renamed')
      const bad = await api('POST', '/runs/update', { run_id: id, status: 'DONE' })
      assert.equal(bad.status, 400)
      assert.match(bad.body.message, /status/)
      const tags = (await api('GET', '/runs/get', { run_id: id })).body.run.data.tags
      assert.equal(tags.find((x: { key: string }) => x.key === 'mlflow.runName').value, 'renamed')
    })

    test('delete and restore; a deleted run refuses logging', async () => {
      const id = (await newRun()).info.run_id
      assert.deepEqual((await api('POST', '/runs/delete', { run_id: id })).body, {})
      assert.equal((await api('GET', '/runs/get', { run_id: id })).body.run.info.lifecycle_stage, 'deleted')
      const refused = await api('POST', '/runs/log-metric', { run_id: id, key: 'm', value: 1, timestamp: 1 })
      assert.equal(refused.status, 400)
      assert.match(refused.body.message, /must be in the 'active' state/)
      const update = await api('POST', '/runs/update', { run_id: id, status: 'FINISHED' })
      assert.equal(update.status, 400)
      assert.equal((await api('GET', '/runs/get', { run_id: id })).body.run.info.status, 'RUNNING')
      await api('POST', '/runs/restore', { run_id: id })
      assert.equal((await api('GET', '/runs/get', { run_id: id })).body.run.info.lifecycle_stage, 'active')
    })

    test('delete-tag removes a tag; a missing one is 404', async () => {
      const id = (await newRun()).info.run_id
      await api('POST', '/runs/set-tag', { run_id: id, key: 'gone', value: 'soon' })
      assert.deepEqual((await api('POST', '/runs/delete-tag', { run_id: id, key: 'gone' })).body, {})
      const again = await api('POST', '/runs/delete-tag', { run_id: id, key: 'gone' })
      assert.equal(again.status, 404)
    })

    test('log-inputs records dataset references shown by get', async () => {
      const id = (await newRun()).info.run_id
      const datasets = [{
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
        dataset: { name: 'tweets', digest: 'abc123', source_type: 'railyard', source: '{"uri":"local:/data"}' },
      }]
      assert.deepEqual((await api('POST', '/runs/log-inputs', { run_id: id, datasets })).body, {})
      const got = await api('GET', '/runs/get', { run_id: id })
      assert.deepEqual(got.body.run.inputs.dataset_inputs, datasets)
    })

    test('log-model appends to the model history tag', async () => {
      const id = (await newRun()).info.run_id
      await api('POST', '/runs/log-model', { run_id: id, model_json: JSON.stringify({ artifact_path: 'model' }) })
      await api('POST', '/runs/log-model', { run_id: id, model_json: JSON.stringify({ artifact_path: 'model2' }) })
      const tags = (await api('GET', '/runs/get', { run_id: id })).body.run.data.tags
      const hist = JSON.parse(tags.find((x: { key: string }) => x.key === 'mlflow.log-model.history').value)
      assert.deepEqual(hist, [{ artifact_path: 'model' }, { artifact_path: 'model2' }])
      assert.equal((await api('POST', '/runs/log-model', { run_id: id, model_json: '{nope' })).status, 400)
    })

    test('bulk-interval history samples several runs', async () => {
      const a = (await newRun()).info.run_id
      const b = (await newRun()).info.run_id
      for (const id of [a, b]) {
        await api('POST', '/runs/log-batch', {
          run_id: id,
          metrics: Array.from({ length: 50 }, (_, i) => ({ key: 'loss', value: i, timestamp: i, step: i })),
        })
      }
      const res = await api('GET', '/metrics/get-history-bulk-interval', { run_ids: [a, b], metric_key: 'loss', max_results: 10 })
      assert.equal(res.status, 200)
      assert.equal(res.body.metrics.length, 20)
      assert.deepEqual(new Set(res.body.metrics.map((m: { run_id: string }) => m.run_id)), new Set([a, b]))
      const steps = res.body.metrics.filter((m: { run_id: string }) => m.run_id === a).map((m: { step: number }) => m.step)
      assert.equal(steps[0], 0)
      assert.equal(steps.at(-1), 49)
      const window = await api('GET', '/metrics/get-history-bulk-interval', { run_ids: [a], metric_key: 'loss', start_step: 10, end_step: 12 })
      assert.deepEqual(window.body.metrics.map((m: { step: number }) => m.step), [10, 11, 12])
    })

    test('unknown runs are 404 and malformed ids are 400 everywhere', async () => {
      const missing = 'f'.repeat(32)
      const calls: Array<[ 'GET' | 'POST', string, Record<string, unknown>]> = [
        ['GET', '/runs/get', { run_id: missing }],
        ['POST', '/runs/update', { run_id: missing, status: 'FINISHED' }],
        ['POST', '/runs/delete', { run_id: missing }],
        ['POST', '/runs/restore', { run_id: missing }],
        ['POST', '/runs/log-metric', { run_id: missing, key: 'm', value: 1, timestamp: 1 }],
        ['POST', '/runs/log-parameter', { run_id: missing, key: 'p', value: '1' }],
        ['POST', '/runs/set-tag', { run_id: missing, key: 't', value: '1' }],
        ['POST', '/runs/delete-tag', { run_id: missing, key: 't' }],
        ['POST', '/runs/log-batch', { run_id: missing }],
        ['POST', '/runs/log-inputs', { run_id: missing }],
        ['GET', '/metrics/get-history', { run_id: missing, metric_key: 'm' }],
      ]
      for (const [method, path, body] of calls) {
        const res = await api(method, path, body)
        assert.equal(res.status, 404, `${path} → ${res.status}`)
        assert.equal(res.body.error_code, 'RESOURCE_DOES_NOT_EXIST')
        const bad = await api(method, path, { ...body, run_id: '../../etc' })
        assert.equal(bad.status, 400, `${path} malformed → ${bad.status}`)
        assert.equal(bad.body.error_code, 'INVALID_PARAMETER_VALUE')
      }
    })

    test('a run cannot be created in a deleted or unknown experiment', async () => {
      const gone = (await api('POST', '/experiments/create', { name: 'gone' })).body.experiment_id
      await api('POST', '/experiments/delete', { experiment_id: gone })
      const res = await api('POST', '/runs/create', { experiment_id: gone })
      assert.equal(res.status, 400)
      assert.match(res.body.message, /active/)
      assert.equal((await api('POST', '/runs/create', { experiment_id: '424242' })).status, 404)
    })

    test('deleting an experiment deletes its runs', async () => {
      const e = (await api('POST', '/experiments/create', { name: 'cascade' })).body.experiment_id
      const id = (await api('POST', '/runs/create', { experiment_id: e })).body.run.info.run_id
      await api('POST', '/experiments/delete', { experiment_id: e })
      assert.equal((await api('GET', '/runs/get', { run_id: id })).body.run.info.lifecycle_stage, 'deleted')
    })

    test('Python-style bodies: NaN tokens, double-encoded JSON, empty body', async () => {
      const id = (await newRun()).info.run_id
      const raw = `{"run_id": "${id}", "key": "py", "value": NaN, "timestamp": 1, "step": 0}`
      assert.equal((await api('POST', '/runs/log-metric', raw)).status, 200)
      const ninf = `{"run_id": "${id}", "metrics": [{"key": "ninf", "value": -Infinity, "timestamp": 1, "step": 0}]}`
      assert.equal((await api('POST', '/runs/log-batch', ninf)).status, 200)
      const twice = JSON.stringify(JSON.stringify({ run_id: id, key: 'twice', value: 'yes' }))
      assert.equal((await api('POST', '/runs/set-tag', twice)).status, 200)
      const metrics = (await api('GET', '/runs/get', { run_id: id })).body.run.data.metrics
      assert.deepEqual(metrics.map((m: { value: unknown }) => m.value), ['-Infinity', 'NaN'])
      const empty = await api('POST', '/runs/log-metric', '')
      assert.equal(empty.status, 400)
      assert.match(empty.body.message, /Missing value for required parameter/)
    })

    test('unknown endpoints are JSON 404s', async () => {
      const res = await api('GET', '/runs/nope')
      assert.equal(res.status, 404)
      assert.equal(res.body.error_code, 'ENDPOINT_NOT_FOUND')
    })
  })
}
