// The requests an unmodified MLflow Python client (2.11 and 2.17, recorded through a logging
// proxy; see docs/mlflow-compatibility.md) sends during its normal tracking flow, replayed byte
// for byte, with the responses that client needs. Request bodies are the client's own JSON text:
// int64 as JSON numbers, NaN and ±Infinity as the strings "NaN" / "Infinity" / "-Infinity",
// run_uuid next to run_id, DELETE with a JSON body, artifacts as text/plain or octet-stream.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { DIALECTS } from '../testing/databases.js'
import { createTestApp, type TestApp } from '../testing/test-app.js'
import { call, mlflow } from '../testing/http.js'


/** A request with the client's own content type and raw body (the shared helper always sends JSON). */
async function raw(app: FastifyInstance, method: 'GET' | 'PUT' | 'DELETE', url: string, body?: string | Buffer, contentType?: string) {
  const res = await app.inject({ method, url, payload: body, headers: contentType ? { 'content-type': contentType } : {} })
  return { status: res.statusCode, rawBody: res.rawPayload, json: () => JSON.parse(res.body) }
}

const T0 = 1795749478000

for (const dialect of DIALECTS) {
  describe(`MLflow Python client wire compatibility (${dialect})`, () => {
    let t: TestApp
    let api: ReturnType<typeof mlflow>
    let expId: string
    let runId: string
    const get = (pathAndQuery: string) => call(t.app, 'GET', `/api/2.0/mlflow${pathAndQuery}`)

    before(async () => {
      t = await createTestApp(dialect)
      api = mlflow(t.app)
    })
    after(() => t.dispose())

    test('create_experiment, set_experiment, set_experiment_tag, get_experiment_by_name', async () => {
      const created = await api('POST', '/experiments/create', '{"name": "compat", "tags": [{"key": "team", "value": "ml"}]}')
      assert.equal(created.status, 200)
      assert.match(created.body.experiment_id, /^\d+$/, 'experiment_id is a string')
      expId = created.body.experiment_id
      // set_experiment asks by name; only a 404 RESOURCE_DOES_NOT_EXIST makes it create the experiment.
      const missing = await get('/experiments/get-by-name?experiment_name=compat-auto')
      assert.equal(missing.status, 404)
      assert.equal(missing.body.error_code, 'RESOURCE_DOES_NOT_EXIST')
      assert.equal((await api('POST', '/experiments/create', '{"name": "compat-auto"}')).status, 200)
      const tag = await api('POST', '/experiments/set-experiment-tag', `{"experiment_id": "${expId}", "key": "stage", "value": "dev"}`)
      assert.deepEqual(tag, { ...tag, status: 200, body: {} })
      const byName = await get('/experiments/get-by-name?experiment_name=compat')
      assert.equal(byName.body.experiment.experiment_id, expId)
      assert.equal(byName.body.experiment.lifecycle_stage, 'active')
      assert.deepEqual(byName.body.experiment.tags, [{ key: 'stage', value: 'dev' }, { key: 'team', value: 'ml' }])
      const dup = await api('POST', '/experiments/create', '{"name": "compat"}')
      assert.equal(dup.status, 400)
      assert.equal(dup.body.error_code, 'RESOURCE_ALREADY_EXISTS')
    })

    test('start_run: runs/create with the tags the client adds', async () => {
      const res = await api('POST', '/runs/create', `{"experiment_id": "${expId}", "user_id": "root", "run_name": "parent", "start_time": ${T0}, "tags": [{"key": "mlflow.user", "value": "root"}, {"key": "mlflow.source.name", "value": "flow.py"}, {"key": "mlflow.source.type", "value": "LOCAL"}, {"key": "owner", "value": "alice"}, {"key": "mlflow.note.content", "value": "a run"}, {"key": "mlflow.runName", "value": "parent"}]}`)
      assert.equal(res.status, 200)
      const { info, data } = res.body.run
      runId = info.run_id
      assert.match(runId, /^[0-9a-f]{32}$/)
      assert.deepEqual(info, {
        run_id: runId, run_uuid: runId, run_name: 'parent', experiment_id: expId, user_id: 'root', status: 'RUNNING',
        start_time: T0, artifact_uri: `mlflow-artifacts:/${expId}/${runId}/artifacts`, lifecycle_stage: 'active',
      })
      assert.deepEqual(Object.fromEntries(data.tags.map((x: any) => [x.key, x.value])), {
        'mlflow.user': 'root', 'mlflow.source.name': 'flow.py', 'mlflow.source.type': 'LOCAL', owner: 'alice',
        'mlflow.note.content': 'a run', 'mlflow.runName': 'parent',
      })
    })

    test('log_param sends run_uuid and run_id; same value again is fine, a new value is INVALID_PARAMETER_VALUE', async () => {
      const body = (value: string) => `{"run_uuid": "${runId}", "key": "lr", "value": "${value}", "run_id": "${runId}"}`
      assert.deepEqual((await api('POST', '/runs/log-parameter', body('0.01'))).body, {})
      assert.deepEqual((await api('POST', '/runs/log-parameter', body('0.01'))).body, {})
      const changed = await api('POST', '/runs/log-parameter', body('0.5'))
      assert.equal(changed.status, 400)
      assert.equal(changed.body.error_code, 'INVALID_PARAMETER_VALUE')
      const batch = await api('POST', '/runs/log-batch', `{"run_id": "${runId}", "params": [{"key": "batch", "value": "32"}, {"key": "opt", "value": "adam"}, {"key": "layers", "value": "[1, 2]"}]}`)
      assert.deepEqual(batch.body, {})
    })

    test('log_metric: NaN and ±Infinity as strings, steps beyond 2^32, history and latest values', async () => {
      const metric = (key: string, value: string, ts: number, step: number) =>
        api('POST', '/runs/log-metric', `{"run_uuid": "${runId}", "key": "${key}", "value": ${value}, "timestamp": ${ts}, "step": ${step}, "run_id": "${runId}"}`)
      for (const [i, v] of ['1.0', '0.5', '0.3333333333333333'].entries()) assert.equal((await metric('loss', v, T0 + i, i)).status, 200)
      assert.equal((await metric('weird', '"NaN"', T0 + 10, 0)).status, 200)
      assert.equal((await metric('weird', '"Infinity"', T0 + 11, 1)).status, 200)
      assert.equal((await metric('weird', '"-Infinity"', T0 + 12, 2)).status, 200)
      assert.equal((await metric('big', '1.5', T0 + 13, 2 ** 40)).status, 200)
      const history = await get(`/metrics/get-history?run_uuid=${runId}&metric_key=weird&run_id=${runId}&max_results=25000`)
      assert.equal(history.status, 200)
      assert.deepEqual(history.body.metrics, [
        { key: 'weird', value: 'NaN', timestamp: T0 + 10, step: 0 },
        { key: 'weird', value: 'Infinity', timestamp: T0 + 11, step: 1 },
        { key: 'weird', value: '-Infinity', timestamp: T0 + 12, step: 2 },
      ])
      const big = await get(`/metrics/get-history?run_uuid=${runId}&metric_key=big&run_id=${runId}&max_results=25000`)
      assert.deepEqual(big.body.metrics, [{ key: 'big', value: 1.5, timestamp: T0 + 13, step: 2 ** 40 }])
      const none = await get(`/metrics/get-history?run_uuid=${runId}&metric_key=nope&run_id=${runId}&max_results=25000`)
      assert.deepEqual(none.body.metrics ?? [], [])
      const run = await get(`/runs/get?run_uuid=${runId}&run_id=${runId}`)
      const latest = Object.fromEntries(run.body.run.data.metrics.map((m: any) => [m.key, [m.value, m.step]]))
      assert.deepEqual(latest, { loss: [0.3333333333333333, 2], weird: ['-Infinity', 2], big: [1.5, 2 ** 40] })
    })

    test('log_batch as the client chunks it: 100 params + 900 metrics, then the other 100 metrics', async () => {
      const metrics = Array.from({ length: 1000 }, (_, j) => `{"key": "bm", "value": ${j}.0, "timestamp": ${T0}, "step": ${j}}`)
      const params = Array.from({ length: 100 }, (_, j) => `{"key": "p${j}", "value": "${'x'.repeat(500)}"}`)
      // One request with all 1100 items is over MLflow's 1000-entity limit, which is why the client splits.
      const whole = await api('POST', '/runs/log-batch', `{"run_id": "${runId}", "metrics": [${metrics.join(', ')}], "params": [${params.join(', ')}]}`)
      assert.equal(whole.status, 400)
      assert.equal(whole.body.error_code, 'INVALID_PARAMETER_VALUE')
      const first = await api('POST', '/runs/log-batch', `{"run_id": "${runId}", "metrics": [${metrics.slice(0, 900).join(', ')}], "params": [${params.join(', ')}]}`)
      assert.deepEqual([first.status, first.body], [200, {}])
      const rest = await api('POST', '/runs/log-batch', `{"run_id": "${runId}", "metrics": [${metrics.slice(900).join(', ')}]}`)
      assert.deepEqual([rest.status, rest.body], [200, {}])
      const history = await get(`/metrics/get-history?run_uuid=${runId}&metric_key=bm&run_id=${runId}&max_results=25000`)
      assert.deepEqual(history.body.metrics.map((m: any) => m.step), Array.from({ length: 1000 }, (_, j) => j))
    })

    test('set_tag, delete_tag, log_input, end_run and get_run', async () => {
      assert.deepEqual((await api('POST', '/runs/set-tag', `{"run_uuid": "${runId}", "key": "phase", "value": "train", "run_id": "${runId}"}`)).body, {})
      assert.deepEqual((await api('POST', '/runs/set-tag', `{"run_uuid": "${runId}", "key": "a", "value": "1", "run_id": "${runId}"}`)).body, {})
      assert.deepEqual((await api('POST', '/runs/delete-tag', `{"run_id": "${runId}", "key": "a"}`)).body, {})
      const inputs = await api('POST', '/runs/log-inputs', `{"run_id": "${runId}", "datasets": [{"tags": [{"key": "mlflow.data.context", "value": "training"}], "dataset": {"name": "tiny", "digest": "2981c147", "source_type": "code", "source": "{\\"tags\\": {\\"mlflow.user\\": \\"root\\"}}", "profile": "{\\"num_rows\\": 2, \\"num_elements\\": 2}"}}]}`)
      assert.deepEqual(inputs.body, {})
      const ended = await api('POST', '/runs/update', `{"run_uuid": "${runId}", "status": "FINISHED", "end_time": ${T0 + 100}, "run_id": "${runId}"}`)
      assert.equal(ended.status, 200)
      assert.equal(ended.body.run_info.status, 'FINISHED')
      assert.equal(ended.body.run_info.end_time, T0 + 100)
      const { run } = (await get(`/runs/get?run_uuid=${runId}&run_id=${runId}`)).body
      assert.equal(run.info.status, 'FINISHED')
      const tags = Object.fromEntries(run.data.tags.map((x: any) => [x.key, x.value]))
      assert.equal(tags.phase, 'train')
      assert.equal(tags.a, undefined)
      assert.deepEqual(run.inputs.dataset_inputs, [{
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
        dataset: { name: 'tiny', digest: '2981c147', source_type: 'code', source: '{"tags": {"mlflow.user": "root"}}', profile: '{"num_rows": 2, "num_elements": 2}' },
      }])
    })

    test('delete_run, restore_run, rename_experiment, delete/restore_experiment', async () => {
      const child = (await api('POST', '/runs/create', `{"experiment_id": "${expId}", "user_id": "root", "run_name": "child", "start_time": ${T0 + 1}, "tags": [{"key": "mlflow.parentRunId", "value": "${runId}"}]}`)).body.run.info.run_id
      assert.deepEqual((await api('POST', '/runs/delete', `{"run_id": "${child}"}`)).body, {})
      const deleted = await api('POST', '/runs/search', `{"experiment_ids": ["${expId}"], "run_view_type": "DELETED_ONLY", "filter": "", "max_results": 1000}`)
      assert.deepEqual(deleted.body.runs.map((r: any) => r.info.run_id), [child])
      assert.deepEqual((await api('POST', '/runs/restore', `{"run_id": "${child}"}`)).body, {})
      assert.equal((await get(`/runs/get?run_uuid=${child}&run_id=${child}`)).body.run.info.lifecycle_stage, 'active')
      assert.deepEqual((await api('POST', '/experiments/update', `{"experiment_id": "${expId}", "new_name": "compat-renamed"}`)).body, {})
      assert.equal((await get(`/experiments/get?experiment_id=${expId}`)).body.experiment.name, 'compat-renamed')
      assert.deepEqual((await api('POST', '/experiments/update', `{"experiment_id": "${expId}", "new_name": "compat"}`)).body, {})
      const auto = (await get('/experiments/get-by-name?experiment_name=compat-auto')).body.experiment.experiment_id
      assert.deepEqual((await api('POST', '/experiments/delete', `{"experiment_id": "${auto}"}`)).body, {})
      assert.equal((await get('/experiments/get-by-name?experiment_name=compat-auto')).body.experiment.lifecycle_stage, 'deleted')
      assert.deepEqual((await api('POST', '/experiments/restore', `{"experiment_id": "${auto}"}`)).body, {})
    })

    test('unknown endpoints are 404 ENDPOINT_NOT_FOUND whatever the body (the client falls back on that code)', async () => {
      const json = await api('POST', '/no-such/endpoint', '{"name": "m"}')
      assert.equal(json.status, 404)
      assert.equal(json.body.error_code, 'ENDPOINT_NOT_FOUND')
      const text = await raw(t.app, 'PUT', '/api/2.0/no-such/hello.txt', 'hello\n', 'text/plain')
      assert.equal(text.status, 404)
      assert.equal(text.json().error_code, 'ENDPOINT_NOT_FOUND')
      const del = await raw(t.app, 'DELETE', '/api/2.0/mlflow/no-such/alias', '{"name": "m", "alias": "a"}', 'application/json')
      assert.equal(del.status, 404)
      assert.equal(del.json().error_code, 'ENDPOINT_NOT_FOUND')
    })

    describe('search_runs and search_experiments', () => {
      let par: string[]
      let child: string
      before(async () => {
        child = (await api('POST', '/runs/search', `{"experiment_ids": ["${expId}"], "run_view_type": "ACTIVE_ONLY", "filter": "", "max_results": 1000}`))
          .body.runs.find((r: any) => r.info.run_name === 'child').info.run_id
        await api('POST', '/runs/update', `{"run_uuid": "${child}", "status": "FINISHED", "end_time": ${T0 + 200}, "run_id": "${child}"}`)
        par = []
        for (let i = 0; i < 4; i++) {
          const id = (await api('POST', '/runs/create', `{"experiment_id": "${expId}", "user_id": "root", "run_name": "par-${i}", "start_time": ${T0 + 10 + i}, "tags": [{"key": "worker", "value": "${i}"}]}`)).body.run.info.run_id
          const m = Array.from({ length: 50 }, (_, j) => `{"key": "m", "value": ${i * j}.0, "timestamp": ${T0}, "step": ${j}}`)
          await api('POST', '/runs/log-batch', `{"run_id": "${id}", "metrics": [${m.join(', ')}], "params": [{"key": "i", "value": "${i}"}], "tags": [{"key": "t", "value": "v"}]}`)
          await api('POST', '/runs/update', `{"run_uuid": "${id}", "status": "FINISHED", "end_time": ${T0 + 300}, "run_id": "${id}"}`)
          par.push(id)
        }
      })
      const names = (res: any) => res.body.runs?.map((r: any) => r.info.run_name) ?? []

      test('filter on a param and a metric, order by a metric', async () => {
        const res = await api('POST', '/runs/search', `{"experiment_ids": ["${expId}"], "run_view_type": "ACTIVE_ONLY", "filter": "params.lr = '0.01' and metrics.loss < 1", "max_results": 1000, "order_by": ["metrics.loss DESC"]}`)
        assert.equal(res.status, 200)
        assert.deepEqual(names(res), ['parent'])
      })

      test('IN on attributes.run_id, order by attributes.start_time, one run per page', async () => {
        const body = (token?: string) => `{"experiment_ids": ["${expId}"], "run_view_type": "ACTIVE_ONLY", "filter": "attributes.run_id IN ('${par[1]}', '${par[2]}')", "max_results": 1, "order_by": ["attributes.start_time DESC"]${token ? `, "page_token": "${token}"` : ''}}`
        const first = await api('POST', '/runs/search', body())
        assert.deepEqual(names(first), ['par-2'])
        assert.ok(first.body.next_page_token)
        const second = await api('POST', '/runs/search', body(first.body.next_page_token))
        assert.deepEqual(names(second), ['par-1'])
      })

      test('IN on a tag is INVALID_PARAMETER_VALUE, as in MLflow (only run_id and datasets take lists)', async () => {
        const res = await api('POST', '/runs/search', `{"experiment_ids": ["${expId}"], "run_view_type": "ACTIVE_ONLY", "filter": "tags.worker IN ('1', '2')", "max_results": 1000}`)
        assert.equal(res.status, 400)
        assert.equal(res.body.error_code, 'INVALID_PARAMETER_VALUE')
      })

      test('attributes.run_name, order by a param', async () => {
        const res = await api('POST', '/runs/search', `{"experiment_ids": ["${expId}"], "run_view_type": "ACTIVE_ONLY", "filter": "attributes.run_name = 'child'", "max_results": 1000, "order_by": ["params.lr ASC"]}`)
        assert.deepEqual(names(res), ['child'])
      })

      test('mlflow.search_runs (pandas): status filter, order by a metric, runs without it last', async () => {
        const res = await api('POST', '/runs/search', `{"experiment_ids": ["${expId}"], "run_view_type": "ACTIVE_ONLY", "filter": "attributes.status = 'FINISHED'", "max_results": 10000, "order_by": ["metrics.m DESC"]}`)
        assert.deepEqual(names(res).slice(0, 4), ['par-3', 'par-2', 'par-1', 'par-0'])
        assert.deepEqual(names(res).slice(4).sort(), ['child', 'parent'])
      })

      test('a malformed filter is INVALID_PARAMETER_VALUE', async () => {
        const res = await api('POST', '/runs/search', `{"experiment_ids": ["${expId}"], "run_view_type": "ACTIVE_ONLY", "filter": "params.lr = ", "max_results": 1000}`)
        assert.equal(res.status, 400)
        assert.equal(res.body.error_code, 'INVALID_PARAMETER_VALUE')
      })

      test('search_experiments: LIKE on name ordered by name, and a tag filter', async () => {
        const like = await api('POST', '/experiments/search', `{"max_results": 1000, "filter": "name LIKE 'compat%'", "order_by": ["name ASC"], "view_type": "ACTIVE_ONLY"}`)
        assert.deepEqual(like.body.experiments.map((e: any) => e.name), ['compat', 'compat-auto'])
        const tagged = await api('POST', '/experiments/search', `{"max_results": 1000, "filter": "tags.team = 'ml'", "view_type": "ACTIVE_ONLY"}`)
        assert.deepEqual(tagged.body.experiments.map((e: any) => e.name), ['compat'])
      })

      test('a NaN metric matches != (MLflow 2.11 and IEEE agree)', async () => {
        for (const [name, value] of [['nan-run', '"NaN"'], ['point-nine', '0.9']]) {
          const id = (await api('POST', '/runs/create', `{"experiment_id": "${expId}", "run_name": "${name}", "start_time": ${T0 + 500}}`)).body.run.info.run_id
          await api('POST', '/runs/log-metric', `{"run_uuid": "${id}", "key": "nan_acc", "value": ${value}, "timestamp": ${T0}, "step": 0, "run_id": "${id}"}`)
        }
        const res = await api('POST', '/runs/search', `{"experiment_ids": ["${expId}"], "run_view_type": "ACTIVE_ONLY", "filter": "metrics.nan_acc != 0.9", "max_results": 1000}`)
        assert.deepEqual(names(res), ['nan-run'])
      })

      test('unfiltered paging works today (search_runs max_results=1, search_experiments ALL)', async () => {
        const first = await api('POST', '/runs/search', `{"experiment_ids": ["${expId}"], "run_view_type": "ACTIVE_ONLY", "filter": "", "max_results": 1}`)
        assert.equal(first.body.runs.length, 1)
        const second = await api('POST', '/runs/search', `{"experiment_ids": ["${expId}"], "run_view_type": "ACTIVE_ONLY", "filter": "", "max_results": 1, "page_token": "${first.body.next_page_token}"}`)
        assert.equal(second.body.runs.length, 1)
        assert.notEqual(second.body.runs[0].info.run_id, first.body.runs[0].info.run_id)
        const exps = await api('POST', '/experiments/search', '{"max_results": 1, "view_type": "ALL"}')
        assert.equal(exps.body.experiments.length, 1)
        assert.ok(exps.body.next_page_token)
      })
    })

    describe('proxied artifacts (mlflow-artifacts)', () => {
      const root = () => `${expId}/${runId}/artifacts`
      const url = (p: string) => `/api/2.0/mlflow-artifacts/artifacts/${root()}/${p}`
      const list = (p: string) => raw(t.app, 'GET', `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(p)}`)
      const bin = randomBytes(3 * 1024 * 1024 + 7)

      test('log_text and log_dict upload text/plain bodies that are stored verbatim', async () => {
        const json = '{\n  "k": [\n    1,\n    2\n  ]\n}'
        for (const [p, body] of [['notes/hello.txt', 'hello\n'], ['cfg/config.yaml', 'k:\n- 1\n- 2\n'], ['cfg/config.json', json]]) {
          const put = await raw(t.app, 'PUT', url(p), body, 'text/plain')
          assert.equal(put.status, 200, `PUT ${p}`)
          assert.deepEqual(put.json(), {})
          const back = await raw(t.app, 'GET', url(p))
          assert.equal(back.status, 200)
          assert.equal(back.rawBody.toString('utf8'), body, `${p} comes back byte for byte`)
        }
      })

      test('log_artifact: a 3 MiB application/octet-stream file round-trips', async () => {
        assert.equal((await raw(t.app, 'PUT', url('model.bin'), bin, 'application/octet-stream')).status, 200)
        const back = await raw(t.app, 'GET', url('model.bin'))
        assert.equal(back.status, 200)
        assert.ok(back.rawBody.equals(bin))
      })

      test('log_artifacts: nested paths and a percent-encoded space; an empty file', async () => {
        for (const [p, body] of [['model/a.txt', 'dir/a.txt'], ['model/sub/b.txt', 'dir/sub/b.txt'], ['model/sp%20ace.txt', 'dir/sp ace.txt'], ['model/empty.txt', '']]) {
          assert.equal((await raw(t.app, 'PUT', url(p), body, 'text/plain')).status, 200, `PUT ${p}`)
        }
        assert.equal((await raw(t.app, 'GET', url('model/sp%20ace.txt'))).rawBody.toString(), 'dir/sp ace.txt')
        assert.equal((await raw(t.app, 'GET', url('model/empty.txt'))).rawBody.length, 0)
      })

      test('list_artifacts: basenames, directories without file_size, sizes as numbers', async () => {
        const top = await list(root())
        assert.equal(top.status, 200)
        const byPath = (files: any[] = []) => [...files].sort((a, b) => a.path.localeCompare(b.path))
        assert.deepEqual(byPath(top.json().files), [
          { path: 'cfg', is_dir: true },
          { path: 'model', is_dir: true },
          { path: 'model.bin', is_dir: false, file_size: bin.length },
          { path: 'notes', is_dir: true },
        ])
        // MLflow 2.11 omits file_size for an empty file (0 is the proto default it skips); Railyard
        // sends 0, which the client reads as 0 instead of None.
        assert.deepEqual(byPath((await list(`${root()}/model`)).json().files), [
          { path: 'a.txt', is_dir: false, file_size: 9 },
          { path: 'empty.txt', is_dir: false, file_size: 0 },
          { path: 'sp ace.txt', is_dir: false, file_size: 14 },
          { path: 'sub', is_dir: true },
        ])
      })

      test('download_artifacts lists a file path first: that listing is empty, not an error', async () => {
        const file = await list(`${root()}/model.bin`)
        assert.equal(file.status, 200)
        assert.deepEqual(file.json().files ?? [], [])
        const missing = await list(`${root()}/no-such-dir`)
        assert.equal(missing.status, 200)
        assert.deepEqual(missing.json().files ?? [], [])
      })

      test('a text/plain upload larger than the JSON body limit streams through', async () => {
        const big = 'x'.repeat(33 * 1024 * 1024)
        assert.equal((await raw(t.app, 'PUT', url('logs/train.log'), big, 'text/plain')).status, 200)
        const listed = (await list(`${root()}/logs`)).json().files
        assert.deepEqual(listed, [{ path: 'train.log', is_dir: false, file_size: big.length }])
      })

      test('MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD: mpu/create either works or says NOT_IMPLEMENTED so the client falls back', async () => {
        // The client (log_artifact of a file >= MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE) retries as a
        // plain PUT only when the error message starts with exactly this sentence; a 404 fails the upload.
        const create = await call(t.app, 'POST', `/api/2.0/mlflow-artifacts/mpu/create/${root()}`, '{"path": "/tmp/big.bin", "num_parts": 3}')
        if (create.status === 200) {
          assert.ok(create.body.upload_id)
          assert.equal(create.body.credentials.length, 3)
        } else {
          assert.equal(create.status, 501)
          assert.equal(create.body.error_code, 'NOT_IMPLEMENTED')
          assert.ok(create.body.message.startsWith('Multipart upload is not supported for the current artifact repository'))
        }
      })

      test('delete_artifacts: DELETE answers {} and the file is gone', async () => {
        const del = await raw(t.app, 'DELETE', url('notes/hello.txt'))
        assert.equal(del.status, 200)
        assert.deepEqual(del.json(), {})
        assert.deepEqual((await list(`${root()}/notes`)).json().files ?? [], [])
      })
    })

    describe('model registry', () => {
      const model = 'compat-model'

      test('register_model: create (RESOURCE_ALREADY_EXISTS the 2nd time), create_model_version READY', async () => {
        const created = await api('POST', '/registered-models/create', `{"name": "${model}"}`)
        assert.equal(created.status, 200)
        assert.equal(created.body.registered_model.name, model)
        const again = await api('POST', '/registered-models/create', `{"name": "${model}"}`)
        assert.equal(again.status, 400)
        assert.equal(again.body.error_code, 'RESOURCE_ALREADY_EXISTS')
        const source = `mlflow-artifacts:/${expId}/${runId}/artifacts/model`
        const v1 = await api('POST', '/model-versions/create', `{"name": "${model}", "source": "${source}", "run_id": "${runId}"}`)
        assert.equal(v1.status, 200)
        assert.equal(v1.body.model_version.version, '1', 'versions are strings on the wire')
        assert.equal(v1.body.model_version.source, source)
        assert.equal(v1.body.model_version.run_id, runId)
        // The client polls until the version leaves PENDING_REGISTRATION.
        assert.equal(v1.body.model_version.status, 'READY')
        const v2 = await api('POST', '/model-versions/create', `{"name": "${model}", "source": "runs:/${runId}/model", "run_id": "${runId}"}`)
        assert.equal(v2.body.model_version.version, '2')
      })

      test('set_registered_model_alias, get_model_version_by_alias, get_registered_model', async () => {
        const set = await api('POST', '/registered-models/alias', `{"name": "${model}", "alias": "champion", "version": "1"}`)
        assert.equal(set.status, 200)
        assert.deepEqual(set.body, {})
        const byAlias = await get(`/registered-models/alias?name=${model}&alias=champion`)
        assert.equal(byAlias.status, 200)
        assert.equal(byAlias.body.model_version.version, '1')
        assert.deepEqual(byAlias.body.model_version.aliases, ['champion'])
        const rm = await get(`/registered-models/get?name=${model}`)
        assert.deepEqual(rm.body.registered_model.aliases, [{ alias: 'champion', version: '1' }])
      })

      test('search_model_versions is a GET with a filter in the query string', async () => {
        const res = await get(`/model-versions/search?filter=name+%3D+%27${model}%27&max_results=10000`)
        assert.equal(res.status, 200)
        assert.deepEqual(res.body.model_versions.map((v: any) => v.version).sort(), ['1', '2'])
      })

      test('get_latest_versions is a POST first (GET only as a fallback)', async () => {
        const res = await api('POST', '/registered-models/get-latest-versions', `{"name": "${model}"}`)
        assert.equal(res.status, 200)
        assert.deepEqual(res.body.model_versions.map((v: any) => [v.version, v.current_stage]), [['2', 'None']])
      })

      test('models:/ download URI is reachable through a TLS-terminating proxy', async () => {
        // MLflow answers with the version's storage location (mlflow-artifacts:/…), which the client
        // resolves against its own tracking URI; an absolute URI must keep the scheme the client used.
        const res = await t.app.inject({
          method: 'GET',
          url: `/api/2.0/mlflow/model-versions/get-download-uri?name=${model}&version=1`,
          headers: { host: 'mlflow.example.com', 'x-forwarded-proto': 'https' },
        })
        assert.equal(res.statusCode, 200)
        assert.match(JSON.parse(res.body).artifact_uri, /^(mlflow-artifacts:\/|https:\/\/mlflow\.example\.com\/)/)
      })

      test('delete_registered_model_alias is a DELETE with a JSON body', async () => {
        const del = await raw(t.app, 'DELETE', '/api/2.0/mlflow/registered-models/alias', `{"name": "${model}", "alias": "champion"}`, 'application/json')
        assert.equal(del.status, 200)
        assert.deepEqual(del.json(), {})
        // MLflow answers a missing alias with 400 INVALID_PARAMETER_VALUE ("Registered model alias champion not found.").
        const gone = await get(`/registered-models/alias?name=${model}&alias=champion`)
        assert.equal(gone.status, 400)
        assert.equal(gone.body.error_code, 'INVALID_PARAMETER_VALUE')
      })
    })
  })
}
