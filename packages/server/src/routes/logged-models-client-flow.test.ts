import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DIALECTS } from '../testing/databases.js'
import { createTestApp, type TestApp } from '../testing/test-app.js'
import { call, mlflow } from '../testing/http.js'
import { waitUntilRegistered } from './registry-fixtures.js'

/**
 * The requests an MLflow 3.x Python client makes for `mlflow.sklearn.log_model(model,
 * name="model", registered_model_name=...)` inside a run, in order, as read from MLflow's client
 * code (mlflow/models/model.py `Model.log`, mlflow/store/tracking/rest_store.py,
 * mlflow/tracking/_model_registry/fluent.py `_register_model`). No live 3.x client ran here.
 */
for (const dialect of DIALECTS) {
  describe(`MLflow 3 log_model request sequence (${dialect})`, () => {
    let t: TestApp
    let api: ReturnType<typeof mlflow>
    let expId: string
    let runId: string
    before(async () => {
      t = await createTestApp(dialect)
      api = mlflow(t.app)
      expId = (await api('POST', '/experiments/create', { name: 'sklearn' })).body.experiment_id
      const run = await api('POST', '/runs/create', { experiment_id: expId, run_name: 'train', start_time: 1 })
      runId = run.body.run.info.run_id
      await api('POST', '/runs/log-batch', { run_id: runId, params: [{ key: 'alpha', value: '0.5' }] })
      await api('POST', '/runs/log-metric', { run_uuid: runId, run_id: runId, key: 'rmse', value: 0.7, timestamp: 100, step: 0 })
      await api('POST', '/runs/log-metric', { run_uuid: runId, run_id: runId, key: 'rmse', value: 0.6, timestamp: 101, step: 1 })
    })
    after(() => t.dispose())

    test('create, outputs, step metrics, upload, finalize, register: the client sees a READY model and a version', async () => {
      // 1. client.get_run(run_id).data.params, merged into the model's params.
      const got = await api('GET', '/runs/get', { run_uuid: runId, run_id: runId })
      assert.deepEqual(got.body.run.data.params, [{ key: 'alpha', value: '0.5' }])

      // 2. CreateLoggedModel: POST /api/2.0/mlflow/logged-models (tags from the context registry).
      const created = await api('POST', '/logged-models', {
        experiment_id: expId,
        name: 'model',
        source_run_id: runId,
        params: [{ key: 'alpha', value: '0.5' }],
        tags: [
          { key: 'mlflow.user', value: 'ada' },
          { key: 'mlflow.source.name', value: 'train.py' },
          { key: 'mlflow.source.type', value: 'LOCAL' },
        ],
      })
      assert.equal(created.status, 200, JSON.stringify(created.body))
      const model = created.body.model
      const modelId: string = model.info.model_id
      assert.match(modelId, /^m-[0-9a-f]{32}$/)
      assert.equal(model.info.experiment_id, expId)
      assert.equal(model.info.name, 'model')
      assert.equal(model.info.status, 'LOGGED_MODEL_PENDING')
      assert.equal(model.info.source_run_id, runId)
      assert.equal(model.info.artifact_uri, `mlflow-artifacts:/${expId}/models/${modelId}/artifacts`)
      assert.equal(model.info.creation_timestamp_ms, model.info.last_updated_timestamp_ms)
      assert.deepEqual(model.data, { params: [{ key: 'alpha', value: '0.5' }] })
      assert.equal(model.info.tags.length, 3)

      // 3. LogOutputs: POST runs/outputs with the model at step 0.
      const outputs = await api('POST', '/runs/outputs', { run_id: runId, models: [{ model_id: modelId, step: 0 }] })
      assert.deepEqual(outputs, { status: 200, body: {}, headers: outputs.headers })

      // 4. log_model_metrics_for_step: the run's metrics at step 0, history per key, then a
      //    log-batch of those points with model_id (Metric.to_proto also carries run_id).
      const again = await api('GET', '/runs/get', { run_uuid: runId, run_id: runId })
      assert.deepEqual(again.body.run.outputs, { model_outputs: [{ model_id: modelId, step: 0 }] })
      const history = await api('GET', '/metrics/get-history', { run_uuid: runId, run_id: runId, metric_key: 'rmse' })
      const atStep0 = history.body.metrics.filter((m: { step: number }) => m.step === 0)
      assert.equal(atStep0.length, 1)
      assert.equal(atStep0[0].model_id, undefined)
      const batch = await api('POST', '/runs/log-batch', {
        run_id: runId,
        metrics: atStep0.map((m: object) => ({ ...m, run_id: runId, model_id: modelId })),
      })
      assert.equal(batch.status, 200, JSON.stringify(batch.body))

      // 5. The artifact repository asks for the model to learn its artifact location, then PUTs
      //    each file through the mlflow-artifacts proxy.
      const fetched = await api('GET', `/logged-models/${modelId}`)
      assert.equal(fetched.status, 200)
      const folder = fetched.body.model.info.artifact_uri.replace(/^mlflow-artifacts:\/*/, '')
      const files: Record<string, [string, string]> = {
        MLmodel: ['artifact_path: mlflow-artifacts:/x\nflavors:\n  sklearn: {}\nmodel_id: ' + modelId + '\n', 'application/octet-stream'],
        'model.pkl': ['\u0080\u0004pickled', 'application/octet-stream'],
        'requirements.txt': ['scikit-learn==1.5.0\n', 'text/plain'],
        'conda.yaml': ['name: mlflow-env\n', 'application/x-yaml'],
      }
      for (const [name, [content, type]] of Object.entries(files)) {
        const put = await t.app.inject({
          method: 'PUT',
          url: `/api/2.0/mlflow-artifacts/artifacts/${folder}/${name}`,
          payload: Buffer.from(content),
          headers: { 'content-type': type },
        })
        assert.equal(put.statusCode, 200, put.body)
      }

      // 6. FinalizeLoggedModel: PATCH with the enum name.
      const finalized = await api('PATCH', `/logged-models/${modelId}`, { model_id: modelId, status: 'LOGGED_MODEL_READY' })
      assert.equal(finalized.status, 200, JSON.stringify(finalized.body))
      assert.equal(finalized.body.model.info.status, 'LOGGED_MODEL_READY')
      assert.deepEqual(finalized.body.model.data.metrics, [
        { key: 'rmse', value: 0.7, timestamp: 100, step: 0, model_id: modelId, run_id: runId },
      ])

      // 7. register_model(f"models:/{model_id}", name): create the registered model, the version
      //    with source models:/<id> and model_id, poll it, then record the version on the model.
      assert.equal((await api('POST', '/registered-models/create', { name: 'churn' })).status, 200)
      const mv = await api('POST', '/model-versions/create', { name: 'churn', source: `models:/${modelId}`, model_id: modelId })
      assert.equal(mv.status, 200, JSON.stringify(mv.body))
      assert.equal(mv.body.model_version.run_id, runId)
      const ready = await waitUntilRegistered(() => api('GET', '/model-versions/get', { name: 'churn', version: '1' }))
      assert.equal(ready.body.model_version.status, 'READY')
      assert.equal(ready.body.model_version.model_id, modelId)
      const tagged = await api('PATCH', `/logged-models/${modelId}/tags`, {
        tags: [{ key: 'mlflow.modelVersions', value: JSON.stringify([{ name: 'churn', version: '1' }]) }],
      })
      assert.equal(tagged.status, 200)

      // The registered files are the model's, byte for byte.
      const uri = await api('GET', '/model-versions/get-download-uri', { name: 'churn', version: '1' })
      const treeFolder = String(uri.body.artifact_uri).replace(/^mlflow-artifacts:\//, '')
      const pkl = await t.app.inject({ method: 'GET', url: `/api/2.0/mlflow-artifacts/artifacts/${treeFolder}/model.pkl` })
      assert.equal(pkl.statusCode, 200)
      assert.equal(pkl.body, files['model.pkl'][0])

      // mlflow.get_logged_model / search_logged_models (the fluent API pages with no max_results).
      const final = await api('GET', `/logged-models/${modelId}`)
      assert.equal(final.body.model.info.tags.find((x: { key: string }) => x.key === 'mlflow.modelVersions').value, '[{"name":"churn","version":"1"}]')
      const search = await api('POST', '/logged-models/search', { experiment_ids: [expId] })
      assert.deepEqual(search.body.models.map((m: { info: { model_id: string } }) => m.info.model_id), [modelId])
      assert.equal(search.body.next_page_token, undefined)

      // ListLoggedModelArtifacts (the UI and list_artifacts on models:/).
      const listed = await api('GET', `/logged-models/${modelId}/artifacts/directories`)
      assert.equal(listed.body.root_uri, model.info.artifact_uri)
      assert.deepEqual(
        listed.body.files.map((f: { path: string }) => f.path),
        ['MLmodel', 'conda.yaml', 'model.pkl', 'requirements.txt'],
      )
    })

    test('register_model("runs:/<run>/model") in 3.x: no run artifacts there, so the client finds the logged model by name', async () => {
      const run = (await api('POST', '/runs/create', { experiment_id: expId })).body.run.info
      const model = (await api('POST', '/logged-models', { experiment_id: expId, name: 'clf', source_run_id: run.run_id })).body.model.info
      await api('POST', '/runs/outputs', { run_id: run.run_id, models: [{ model_id: model.model_id, step: 3 }] })
      const folder = model.artifact_uri.replace(/^mlflow-artifacts:\/*/, '')
      await t.app.inject({ method: 'PUT', url: `/api/2.0/mlflow-artifacts/artifacts/${folder}/MLmodel`, payload: 'flavors: {}\n' })
      await api('PATCH', `/logged-models/${model.model_id}`, { model_id: model.model_id, status: 'LOGGED_MODEL_READY' })

      // RunsArtifactRepository._is_directory: the run has no `clf` folder.
      const runFolder = run.artifact_uri.replace(/^mlflow-artifacts:\/*/, '')
      const listing = await call(t.app, 'GET', '/api/2.0/mlflow-artifacts/artifacts', { path: `${runFolder}/clf` })
      assert.deepEqual(listing.body, {})
      // get_run for the outputs' steps, then search_logged_models over the run's experiment.
      const got = await api('GET', '/runs/get', { run_id: run.run_id })
      assert.deepEqual(got.body.run.outputs.model_outputs, [{ model_id: model.model_id, step: 3 }])
      const found = await api('POST', '/logged-models/search', { experiment_ids: [expId] })
      const match = found.body.models.filter(
        (m: { info: { name: string; source_run_id: string } }) => m.info.name === 'clf' && m.info.source_run_id === run.run_id,
      )
      assert.equal(match.length, 1)
      await api('POST', '/registered-models/create', { name: 'clf-reg' })
      const mv = await api('POST', '/model-versions/create', {
        name: 'clf-reg',
        source: `models:/${model.model_id}`,
        run_id: run.run_id,
        model_id: model.model_id,
      })
      assert.equal(mv.status, 200, JSON.stringify(mv.body))
      const ready = await waitUntilRegistered(() => api('GET', '/model-versions/get', { name: 'clf-reg', version: '1' }))
      assert.equal(ready.body.model_version.status, 'READY')
    })

    test('a model version can name the logged model by its artifact location', async () => {
      const model = (await api('POST', '/logged-models', { experiment_id: expId, name: 'by-path', source_run_id: runId })).body.model.info
      const folder = model.artifact_uri.replace(/^mlflow-artifacts:\/*/, '')
      await t.app.inject({ method: 'PUT', url: `/api/2.0/mlflow-artifacts/artifacts/${folder}/MLmodel`, payload: 'flavors: {}\n' })
      await api('POST', '/registered-models/create', { name: 'by-path' })
      // Without model_id in the request, the logged model is known from the source.
      const mv = await api('POST', '/model-versions/create', { name: 'by-path', source: model.artifact_uri })
      assert.equal(mv.status, 200, JSON.stringify(mv.body))
      assert.equal(mv.body.model_version.run_id, runId)
      assert.equal(mv.body.model_version.model_id, model.model_id)
      // A version registered from that version keeps naming the logged model.
      const copy = await api('POST', '/model-versions/create', { name: 'by-path', source: 'models:/by-path/1' })
      assert.equal(copy.body.model_version.model_id, model.model_id)
      const tooLong = await api('POST', '/model-versions/create', { name: 'by-path', source: model.artifact_uri, model_id: 'm-' + 'f'.repeat(80) })
      assert.equal(tooLong.status, 400)
      assert.match(tooLong.body.message, /model_id/)
    })

    test('a model without files or without a source run cannot be registered', async () => {
      const empty = (await api('POST', '/logged-models', { experiment_id: expId, source_run_id: runId })).body.model.info
      await api('POST', '/registered-models/create', { name: 'nofiles' })
      const noFiles = await api('POST', '/model-versions/create', { name: 'nofiles', source: `models:/${empty.model_id}` })
      assert.equal(noFiles.status, 400)
      assert.equal(noFiles.body.error_code, 'INVALID_PARAMETER_VALUE')
      const orphan = (await api('POST', '/logged-models', { experiment_id: expId })).body.model.info
      const noRun = await api('POST', '/model-versions/create', { name: 'nofiles', source: `models:/${orphan.model_id}` })
      assert.equal(noRun.status, 400)
      assert.match(noRun.body.message, /no source run/)
    })
  })
}
