import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { insideModel, modelFolders } from './model-paths.js'

describe('messages name files from the model root, not from where the model was put', () => {
  const cacheDir = '/home/ana/.cache/railyard/models'
  const entry = `${cacheDir}/entries/tree-0123abcd`
  const folders = modelFolders({ cacheDir, modelPath: 'model' })

  test("the SDK's phrasings lose the folder; files inside it keep their path from the root", () => {
    const cases: Array<[string, string]> = [
      [`Cannot load the model at ${entry}: its module 'predict.mjs' is missing`, "its module 'predict.mjs' is missing"],
      [`The model at ${entry} broke the predict contract: 2 inputs gave 1 outputs`, 'The model broke the predict contract: 2 inputs gave 1 outputs'],
      [`No model at '${cacheDir}/tmp/tree-0123abcd-Xy12Zq/model': there is no MLmodel file`, 'No model: there is no MLmodel file'],
      [`${cacheDir}/tmp/tree-0123abcd-Xy12Zq/model/MLmodel is not valid YAML`, 'MLmodel is not valid YAML'],
      [`open '${entry}/weights/w.bin'`, "open 'weights/w.bin'"],
      [`at ${pathToFileURL(entry).href}/predict.mjs?v=1712345678901.123-456:3:9`, 'at predict.mjs:3:9'],
      [`Cannot find module '${entry}/lib/a.mjs' imported from ${entry}/predict.mjs`, "Cannot find module 'lib/a.mjs' imported from predict.mjs"],
      [`cd ${entry} failed`, "cd the model's folder failed"],
    ]
    for (const [message, expected] of cases) assert.equal(insideModel(message, folders), expected)
  })

  test('other paths and messages without a folder are left as they are', () => {
    for (const message of [
      'this version cannot load (on purpose)',
      `open '${cacheDir}/refs/abc'`,
      `open '/srv/models/entries/tree-0123abcd/w.bin'`,
      `${cacheDir}-old/entries/tree-1/x`,
    ]) {
      assert.equal(insideModel(message, folders), message)
    }
  })

  test('a relative cache folder is found as given and as an absolute path; a run path inside its scratch folder', () => {
    const relative = modelFolders({ cacheDir: 'cache', modelPath: 'nested/model' })
    assert.equal(insideModel(`open 'cache/entries/run-9f/w.bin'`, relative), "open 'w.bin'")
    assert.equal(insideModel(`open '${path.resolve('cache')}/entries/run-9f/w.bin'`, relative), "open 'w.bin'")
    assert.equal(insideModel(`No model at '${path.resolve('cache')}/tmp/run-9f-Ab/nested/model'`, relative), 'No model')
  })

  test('a local model folder, also as a file: URL with characters URLs escape', () => {
    const dir = '/work/my models/churn'
    const local = modelFolders({ dir })
    assert.equal(insideModel(`Cannot load the model at ${dir}: load() of 'predict.mjs' threw: x`, local), "load() of 'predict.mjs' threw: x")
    assert.equal(insideModel(`at ${pathToFileURL(dir).href}/predict.mjs?v=1-2`, local), 'at predict.mjs')
  })
})
