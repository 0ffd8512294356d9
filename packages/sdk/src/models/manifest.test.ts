import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { InvalidParameterError, NotFoundError } from '@railyard/api'
import { formatManifest, parseManifest, readManifest } from './manifest.js'
import { parseSignature } from './signature.js'
import { readInputExample } from './input-example.js'
import { saveModel } from './save-model.js'
import { loadModel } from './load-model.js'
import { ModelLoadError } from './model-load-error.js'

// What MLflow 2.x writes for `mlflow.sklearn.log_model(clf, "model", input_example=X[:2])`.
const MLFLOW_MLMODEL = `artifact_path: model
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.10.12
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.3.2
mlflow_version: 2.9.2
model_size_bytes: 2345
model_uuid: 0123456789012345678901234567890e
run_id: 1234e5678
saved_input_example_info:
  artifact_path: input_example.json
  pandas_orient: split
  type: dataframe
signature:
  inputs: '[{"type": "double", "name": "sepal length (cm)", "required": true}, {"type":
    "double", "name": "petal width (cm)", "required": true}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
  params: null
utc_time_created: '2024-01-10 12:34:56.789012'
`

describe('MLmodel manifests', () => {
  let work: string
  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-manifest-'))
  })
  after(() => fs.rmSync(work, { recursive: true, force: true }))

  test('a manifest MLflow wrote is read with its flavors, signature and input example', async () => {
    const dir = path.join(work, 'sklearn-model')
    fs.mkdirSync(dir)
    fs.writeFileSync(path.join(dir, 'MLmodel'), MLFLOW_MLMODEL)
    fs.writeFileSync(
      path.join(dir, 'input_example.json'),
      JSON.stringify({ columns: ['sepal length (cm)', 'petal width (cm)'], data: [[5.1, 0.2], [6.2, 1.8]] }),
    )
    const m = await readManifest(dir)
    assert.deepEqual(Object.keys(m.flavors), ['python_function', 'sklearn'])
    assert.equal(m.flavors.sklearn.sklearn_version, '1.3.2')
    assert.equal(m.flavors.sklearn.code, null)
    // PyYAML (YAML 1.1) leaves these plain: read as 1.2 they would turn into numbers.
    assert.equal(m.run_id, '1234e5678')
    assert.equal(m.model_uuid, '0123456789012345678901234567890e')
    assert.equal(m.flavors.python_function.python_version, '3.10.12')
    assert.equal(m.utc_time_created, '2024-01-10 12:34:56.789012')
    assert.equal(m.model_size_bytes, 2345)
    assert.deepEqual(parseSignature(m), {
      inputs: [
        { type: 'double', name: 'sepal length (cm)', required: true },
        { type: 'double', name: 'petal width (cm)', required: true },
      ],
      outputs: [{ type: 'tensor', 'tensor-spec': { dtype: 'int64', shape: [-1] } }],
    })
    assert.deepEqual(await readInputExample(dir, m), [
      { 'sepal length (cm)': 5.1, 'petal width (cm)': 0.2 },
      { 'sepal length (cm)': 6.2, 'petal width (cm)': 1.8 },
    ])
    // Written back, nothing is lost and an MLflow (PyYAML) reader sees the same strings.
    const again = parseManifest(formatManifest(m))
    assert.deepEqual(again, m)
    assert.match(formatManifest(m), /run_id: "1234e5678"/)

    await assert.rejects(loadModel(dir), (err: Error) => {
      assert.ok(err instanceof ModelLoadError)
      assert.match(err.message, /has flavors python_function, sklearn; this SDK loads railyard_js, onnx/)
      return true
    })
  })

  test('save then read round-trips every field', async () => {
    const dir = path.join(work, 'js-model')
    fs.mkdirSync(dir)
    fs.writeFileSync(path.join(dir, 'predict.mjs'), 'export function load() { return { predict: (xs) => xs.map((x) => x.text.length) } }\n')
    const saved = await saveModel(dir, {
      flavor: 'railyard_js',
      inputExample: [{ text: 'hello' }, { text: 'hi', lang: 'en' }],
      dependencies: ['lodash@^4.17.21', '@scope/pkg'],
      metadata: { owner: 'team-a' },
      runId: 'abc',
      artifactPath: 'model',
    })
    const read = await readManifest(dir)
    assert.deepEqual(read, saved)
    assert.equal(read.flavors.railyard_js.module, 'predict.mjs')
    assert.equal(read.flavors.railyard_js.node_version, process.versions.node)
    assert.match(read.model_uuid!, /^[0-9a-f]{32}$/)
    assert.match(read.utc_time_created!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/)
    assert.equal(read.run_id, 'abc')
    assert.deepEqual(read.dependencies, ['lodash@^4.17.21', '@scope/pkg'])
    // The signature is inferred from the example, outputs by running the model on it.
    assert.equal(
      read.signature?.inputs,
      '[{"type": "string", "name": "text", "required": true}, {"type": "string", "name": "lang", "required": false}]',
    )
    assert.equal(read.signature?.outputs, '[{"type": "double", "required": true}]')
    assert.equal(read.signature?.params, null)
    assert.deepEqual(read.saved_input_example_info, { artifact_path: 'input_example.json', type: 'dataframe', pandas_orient: 'records' })
    assert.deepEqual(await readInputExample(dir, read), [{ text: 'hello' }, { text: 'hi', lang: 'en' }])
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')), {
      private: true,
      type: 'module',
      dependencies: { lodash: '^4.17.21', '@scope/pkg': '*' },
    })
    const text = fs.readFileSync(path.join(dir, 'MLmodel'), 'utf8')
    // Sorted keys, block style: the layout MLflow writes.
    assert.ok(text.indexOf('artifact_path:') < text.indexOf('flavors:') && text.indexOf('flavors:') < text.indexOf('run_id:'))
    assert.equal(read.model_size_bytes, ['predict.mjs', 'package.json', 'input_example.json'].reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0))
  })

  test('bad manifests and directories fail clearly', async () => {
    await assert.rejects(readManifest(path.join(work, 'nothing')), NotFoundError)
    assert.throws(() => parseManifest('flavors: [unclosed'), InvalidParameterError)
    assert.throws(() => parseManifest('- a\n- b\n'), /must be a YAML mapping/)
    assert.throws(() => parseManifest('run_id: x\n'), /has no flavors/)
    assert.throws(() => parseManifest('flavors:\n  x: 3\n'), /flavor 'x' must be a mapping/)
    assert.deepEqual(parseManifest('flavors:\n  keras:\n').flavors, { keras: {} })
    const empty = path.join(work, 'empty')
    fs.mkdirSync(empty)
    await assert.rejects(saveModel(empty, { flavor: 'railyard_js' }), /module 'predict.mjs' is not in/)
    await assert.rejects(saveModel(empty, { flavor: 'onnx' }), /onnx model file 'model.onnx' is not in/)
    await assert.rejects(saveModel(empty, { flavor: 'railyard_js', module: '../x.mjs' }), /inside the model directory/)
    // A flavor the SDK does not know is saved as given (an MLflow flavor written by a converter).
    const other = await saveModel(empty, {
      flavor: 'python_function',
      flavorConfig: { loader_module: 'mlflow.pyfunc.model' },
      inputExample: [{ x: 1 }],
    })
    assert.deepEqual(other.flavors, { python_function: { loader_module: 'mlflow.pyfunc.model' } })
    // Outputs cannot be inferred for a flavor this process cannot run; inputs still are.
    assert.deepEqual(other.signature, { inputs: '[{"type": "double", "name": "x", "required": true}]', params: null })
  })
})
