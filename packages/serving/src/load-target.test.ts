import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { createTestApp, type TestApp } from '@railyard/server/testing/test-app.js'
import { logModel, RailyardClient, saveModel, startRun } from '@railyard/sdk'
import { serveModel } from './serve.js'

// A railyard_js model whose load() reads a file the model does not have.
const READS_MISSING_FILE = `import fs from 'node:fs'
export async function load(dir) {
  fs.readFileSync(dir + '/weights/w.bin')
}
`
// A railyard_js model importing a module of its own that is not there.
const IMPORTS_MISSING_MODULE = `import { helper } from './lib/helper.mjs'
export async function load() {
  return { predict: async (rows) => rows.map(helper) }
}
`

describe('a model that fails to load is reported by version and by its own file paths', () => {
  let tracking: TestApp
  let client: RailyardClient
  let work: string
  let cacheDir: string

  before(async () => {
    tracking = await createTestApp('sqlite')
    await tracking.app.listen({ host: '127.0.0.1', port: 0 })
    const { port } = tracking.app.server.address() as AddressInfo
    client = new RailyardClient({ trackingUri: `http://127.0.0.1:${port}`, retries: { retries: 1, baseDelayMs: 10 } })
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-load-target-'))
    cacheDir = path.join(work, 'cache')
  })

  after(async () => {
    await tracking?.dispose()
    fs.rmSync(work, { recursive: true, force: true })
  })

  function writeModel(dir: string, module: string): string {
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(path.join(dir, 'predict.mjs'), module)
    return dir
  }

  /** Registers a model whose example output is given, so that saving it never loads it. */
  async function register(name: string, module: string): Promise<string> {
    const run = await startRun({ client, experimentName: 'load-failures' })
    const logged = await logModel(run, writeModel(path.join(work, name), module), {
      flavor: 'railyard_js',
      inputExample: [{ x: 1 }],
      outputExample: [{ y: 1 }],
      registeredModelName: name,
    })
    await run.end()
    return logged.modelVersion!.version
  }

  async function failure(model: string): Promise<string> {
    const err = await serveModel({ model, port: 0, client, cacheDir, log: () => undefined }).then(
      () => assert.fail(`${model} should not load`),
      (e: Error) => e,
    )
    assert.ok(!err.message.includes(cacheDir), err.message)
    assert.ok(!err.message.includes(path.join(cacheDir, 'tmp')), err.message)
    return err.message
  }

  test('a file load() reads is named from the model root, after the version', async () => {
    const version = await register('reads-missing', READS_MISSING_FILE)
    assert.equal(
      await failure(`models:/reads-missing/${version}`),
      `reads-missing version ${version} failed to load: load() of 'predict.mjs' threw: ENOENT: no such file or directory, open 'weights/w.bin'`,
    )
  })

  test("a module the model imports is named from the model root, without the loader's query", async () => {
    const version = await register('imports-missing', IMPORTS_MISSING_MODULE)
    const message = await failure(`models:/imports-missing/${version}`)
    assert.match(message, new RegExp(`^imports-missing version ${version} failed to load: importing 'predict.mjs' failed: `))
    assert.match(message, /Cannot find module 'lib\/helper\.mjs' imported from predict\.mjs$/)
  })

  test('a run path without a model is named by its URI, not by the scratch folder it was downloaded to', async () => {
    const run = await startRun({ client, experimentName: 'load-failures' })
    const notAModel = path.join(work, 'not-a-model')
    fs.mkdirSync(notAModel)
    fs.writeFileSync(path.join(notAModel, 'notes.txt'), 'no MLmodel here')
    await run.logArtifacts(notAModel, 'model')
    await run.end()
    assert.equal(await failure(`runs:/${run.runId}/model`), `the model at runs:/${run.runId}/model failed to load: there is no MLmodel file`)
  })

  test('a local model folder is named once, by the path it was served as', async () => {
    const dir = writeModel(path.join(work, 'local-broken'), READS_MISSING_FILE)
    await saveModel(dir, { flavor: 'railyard_js', inputExample: [{ x: 1 }], outputExample: [{ y: 1 }] })
    assert.equal(
      await failure(dir),
      `the model at ${dir} failed to load: load() of 'predict.mjs' threw: ENOENT: no such file or directory, open 'weights/w.bin'`,
    )
  })
})
