import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DIALECTS } from '../testing/databases.js'
import { createTestApp, type TestApp } from '../testing/test-app.js'
import { registryClient, trainRun, waitUntilRegistered } from './registry-fixtures.js'

// What an MLflow 2.x client writes for a scikit-learn model.
const MLFLOW_MLMODEL = `artifact_path: model
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.11.7
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.4.2
mlflow_version: 2.17.0
model_size_bytes: 1024
model_uuid: 7f0c3c1f5a8a4b5e9d0e6b7a8c9d0e1f
run_id: 0123456789abcdef0123456789abcdef
utc_time_created: '2026-11-27 03:00:00.000000'
`

for (const dialect of DIALECTS) {
  describe(`registered versions list their MLmodel flavors (${dialect})`, () => {
    let t: TestApp
    before(async () => {
      t = await createTestApp(dialect)
    })
    after(() => t.dispose())

    test("lineage lists the flavors of a model logged by an MLflow client; one without MLmodel has none", async () => {
      const api = registryClient(t.app)
      await api.mlflow('POST', '/registered-models/create', { name: 'churn' })
      const mlflowRun = await trainRun(t.app, { files: { MLmodel: Buffer.from(MLFLOW_MLMODEL), 'model.pkl': Buffer.from('pickle') } })
      const plainRun = await trainRun(t.app, { files: { 'weights.bin': Buffer.from('w') } })
      for (const run of [mlflowRun, plainRun]) {
        await api.mlflow('POST', '/model-versions/create', { name: 'churn', source: `${run.artifactUri}/model`, run_id: run.runId })
      }
      for (const version of ['1', '2']) {
        const v = await waitUntilRegistered(() => api.mlflow('GET', '/model-versions/get', { name: 'churn', version }))
        assert.equal(v.body.model_version.status, 'READY')
      }
      const lineage1 = await api.railyard('GET', '/model-versions/lineage', { name: 'churn', version: '1' })
      assert.equal(lineage1.status, 200)
      assert.deepEqual(lineage1.body.flavors, ['python_function', 'sklearn'])
      const lineage2 = await api.railyard('GET', '/model-versions/lineage', { name: 'churn', version: '2' })
      assert.equal(lineage2.body.flavors, undefined)
    })
  })
}
