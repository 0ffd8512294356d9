import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { loadModel } from './load-model.js'
import { saveModel } from './save-model.js'
import { NotFoundError } from '@railyard/api'
import { readManifest, writeManifest } from './manifest.js'
import { loadPredictor } from './flavors.js'
import { loadFailureReason, ModelLoadError, ModelNotFoundError, pathsInModel } from './model-load-error.js'

const here = path.dirname(fileURLToPath(import.meta.url))

describe('railyard_js flavor', () => {
  let work: string
  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-js-flavor-'))
  })
  after(() => fs.rmSync(work, { recursive: true, force: true }))

  /** A model directory whose module is `source`; the manifest is written directly (no example run). */
  async function jsModel(name: string, source: string, module = 'predict.mjs'): Promise<string> {
    const dir = path.join(work, name)
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(path.join(dir, module), source)
    await writeManifest(dir, { flavors: { railyard_js: { module } } })
    return dir
  }

  test('load(dir) gets the model directory; sync and async load and predict both work', async () => {
    const dir = path.join(work, 'scaler')
    fs.mkdirSync(dir)
    fs.writeFileSync(path.join(dir, 'weights.json'), JSON.stringify({ scale: 3 }))
    fs.writeFileSync(
      path.join(dir, 'model.js'),
      `import fs from 'node:fs'
import path from 'node:path'
export async function load(dir) {
  const { scale } = JSON.parse(fs.readFileSync(path.join(dir, 'weights.json'), 'utf8'))
  return { predict: async (xs) => xs.map((x) => x * scale), close() { globalThis.__closed = (globalThis.__closed ?? 0) + 1 } }
}
`,
    )
    // A .js module is an ES module because saveModel writes package.json with type: module.
    const saved = await saveModel(dir, { flavor: 'railyard_js', module: 'model.js', inputExample: [1, 2] })
    // Saving ran the model on its example (and closed it) to learn the outputs' type.
    assert.equal(saved.signature?.outputs, '[{"type": "double", "required": true}]')
    assert.equal((globalThis as { __closed?: number }).__closed, 1)
    const model = await loadModel(dir)
    assert.equal(model.dir, dir)
    assert.deepEqual(await model.predict([1, 2, 0.5]), [3, 6, 1.5])
    await model.close()
    assert.equal((globalThis as { __closed?: number }).__closed, 2)

    const sync = await jsModel('sync', 'export const load = () => ({ predict: (xs) => xs.map(String) })\n')
    assert.deepEqual(await (await loadModel(sync)).predict([1, true]), ['1', 'true'])
    const viaDefault = await jsModel('default', 'export default { load: () => ({ predict: (xs) => xs.map(() => 0) }) }\n')
    assert.deepEqual(await (await loadModel(viaDefault)).predict(['a']), [0])
  })

  test('a changed local module is loaded afresh', async () => {
    const dir = await jsModel('changing', 'export const load = () => ({ predict: (xs) => xs.map(() => 1) })\n')
    assert.deepEqual(await (await loadModel(dir)).predict(['x']), [1])
    fs.writeFileSync(path.join(dir, 'predict.mjs'), 'export const load = () => ({ predict: (xs) => xs.map(() => 22) })\n')
    assert.deepEqual(await (await loadModel(dir)).predict(['x']), [22])
  })

  test('a module that throws while loading is a ModelLoadError naming the model, the module and the cause', async () => {
    const throwsOnImport = await jsModel('import-throws', `throw new Error('weights file is corrupt')\n`)
    await assert.rejects(loadModel(throwsOnImport), (err: Error) => {
      assert.ok(err instanceof ModelLoadError)
      assert.equal(err.message, `Cannot load the model at ${throwsOnImport}: importing 'predict.mjs' failed: weights file is corrupt`)
      assert.equal((err.cause as Error).message, 'weights file is corrupt')
      return true
    })
    const throwsInLoad = await jsModel('load-throws', `export async function load() { throw new TypeError('vocab missing') }\n`)
    await assert.rejects(loadModel(throwsInLoad), {
      name: 'ModelLoadError',
      message: `Cannot load the model at ${throwsInLoad}: load() of 'predict.mjs' threw: vocab missing`,
    })
    const syntax = await jsModel('syntax', 'export function load( {\n')
    await assert.rejects(loadModel(syntax), (err: Error) => err instanceof ModelLoadError && /importing 'predict.mjs' failed/.test(err.message))
    const noLoad = await jsModel('no-load', 'export const predict = (xs) => xs\n')
    await assert.rejects(loadModel(noLoad), /does not export a load\(dir\) function/)
    const noPredict = await jsModel('no-predict', 'export const load = () => ({})\n')
    await assert.rejects(loadModel(noPredict), /returned no object with a predict\(inputs\) method/)
    const missing = await jsModel('missing', 'export const load = () => ({ predict: (x) => x })\n')
    fs.rmSync(path.join(missing, 'predict.mjs'))
    await assert.rejects(loadModel(missing), /its module 'predict.mjs' is missing/)
    await writeManifest(missing, { flavors: { railyard_js: {} } })
    await assert.rejects(loadModel(missing), /names no 'module'/)
    await writeManifest(missing, { flavors: { railyard_js: { module: '../escape.mjs' } } })
    await assert.rejects(loadModel(missing), /outside the model directory/)
  })

  test("a load error carries its parts; paths in what the model's code threw are from the model's root", async () => {
    const dir = await jsModel('reads-missing', `import fs from 'node:fs'\nexport function load(dir) { fs.readFileSync(dir + '/weights/w.bin') }\n`)
    const reason = "load() of 'predict.mjs' threw: ENOENT: no such file or directory, open 'weights/w.bin'"
    await assert.rejects(loadModel(dir), (err: Error) => {
      assert.ok(err instanceof ModelLoadError)
      assert.deepEqual({ ...err, cause: undefined }, { name: 'ModelLoadError', reason, model: `the model at ${dir}`, dir, file: 'predict.mjs', cause: undefined })
      // A local folder is the user's own: the message names it.
      assert.equal(err.message, `Cannot load the model at ${dir}: ${reason}`)
      assert.equal(loadFailureReason(err), reason)
      // The model's own error is kept as it was thrown.
      assert.match((err.cause as Error).message, new RegExp(`open '${dir}/weights/w.bin'`))
      return true
    })
    await assert.rejects(loadModel(dir, { description: 'churn version 7' }), { message: `Cannot load churn version 7: ${reason}` })
    const manifest = await readManifest(dir)
    await assert.rejects(loadPredictor(dir, manifest, { description: 'churn version 7' }), { message: `Cannot load churn version 7: ${reason}` })

    // A module of the model's own that is missing: named from the root, without the loader's ?v= query.
    const imports = await jsModel('imports-missing', `import { f } from './lib/helper.mjs'\nexport const load = () => ({ predict: (xs) => xs.map(f) })\n`)
    await assert.rejects(loadModel(imports, { description: 'helper' }), (err: ModelLoadError) => {
      assert.match(err.reason, /^importing 'predict.mjs' failed: Cannot find module 'lib\/helper\.mjs' imported from predict\.mjs$/)
      return true
    })

    // A directory without MLmodel is a NotFoundError with the same parts.
    const empty = path.join(work, 'empty')
    fs.mkdirSync(empty)
    await assert.rejects(loadModel(empty), (err: Error) => {
      assert.ok(err instanceof ModelNotFoundError && err instanceof NotFoundError)
      assert.equal(err.message, `No model at '${empty}': there is no MLmodel file`)
      assert.deepEqual([err.reason, err.file, err.dir], ['there is no MLmodel file', 'MLmodel', empty])
      return true
    })
    await assert.rejects(loadModel(empty, { description: 'churn version 7' }), { message: 'Cannot load churn version 7: there is no MLmodel file' })
  })

  test('pathsInModel writes paths inside the folder from its root, in every spelling', () => {
    const dir = path.join(work, 'my models', 'churn')
    fs.mkdirSync(dir, { recursive: true })
    const url = pathToFileURL(dir).href
    const cases: Array<[string, string]> = [
      [`open '${dir}/weights/w.bin'`, "open 'weights/w.bin'"],
      [`at ${url}/predict.mjs?v=1712345678901.123-456:3:9`, 'at predict.mjs:3:9'],
      [`Cannot find module '${dir}/lib/a.mjs' imported from ${dir}/predict.mjs`, "Cannot find module 'lib/a.mjs' imported from predict.mjs"],
      [`cd ${dir} failed`, "cd the model's folder failed"],
      [`open '${dir}-old/x'`, `open '${dir}-old/x'`],
      [`open '/elsewhere/w.bin'`, `open '/elsewhere/w.bin'`],
    ]
    for (const [text, expected] of cases) assert.equal(pathsInModel(text, dir), expected)
    const link = path.join(work, 'link-to-churn')
    fs.symlinkSync(dir, link)
    assert.equal(pathsInModel(`open '${dir}/w.bin'`, link), "open 'w.bin'")
  })

  test('saving a model that cannot predict its own example fails and says why', async () => {
    const dir = path.join(work, 'bad-predict')
    fs.mkdirSync(dir)
    fs.writeFileSync(path.join(dir, 'predict.mjs'), `export const load = () => ({ predict: (xs) => xs.map((x) => x.text.length) })\n`)
    await assert.rejects(saveModel(dir, { flavor: 'railyard_js', inputExample: ['no text field'] }), TypeError)
    const wrongCount = await jsModel('wrong-count', 'export const load = () => ({ predict: (xs) => xs.slice(1) })\n')
    const model = await loadModel(wrongCount)
    await assert.rejects(model.predict([1, 2]), /2 inputs gave 1 outputs/)
    await assert.rejects(model.predict('not a batch' as never), /array of inputs/)
  })

  test('an onnx model without @railyard/flavor-onnx installed names the package to install', () => {
    // A resolve hook makes the package unfindable, as on a machine that never installed it.
    const hook = path.join(work, 'no-onnx-hook.mjs')
    fs.writeFileSync(
      hook,
      `export async function resolve(specifier, context, next) {
  if (specifier === '@railyard/flavor-onnx') {
    const err = new Error("Cannot find package '@railyard/flavor-onnx' imported from " + context.parentURL)
    err.code = 'ERR_MODULE_NOT_FOUND'
    throw err
  }
  return next(specifier, context)
}
`,
    )
    const register = path.join(work, 'register.mjs')
    fs.writeFileSync(register, `import { register } from 'node:module'\nregister(${JSON.stringify(new URL(`file://${hook}`).href)})\n`)
    const dir = path.join(work, 'onnx-model')
    fs.mkdirSync(dir)
    fs.writeFileSync(path.join(dir, 'model.onnx'), 'not really onnx')
    fs.writeFileSync(path.join(dir, 'MLmodel'), 'flavors:\n  onnx:\n    data: model.onnx\n')
    const script = `import { loadModel } from ${JSON.stringify(path.join(here, 'load-model.ts'))}
try { await loadModel(${JSON.stringify(dir)}); console.log('loaded') } catch (err) { console.log(err.name + ': ' + err.message) }
`
    const res = spawnSync(process.execPath, ['--import', 'tsx', '--import', register, '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    })
    assert.equal(res.status, 0, res.stderr)
    assert.equal(res.stdout.trim(), 'RuntimeMissingError: the onnx flavor needs @railyard/flavor-onnx: npm install @railyard/flavor-onnx')
  })
})
