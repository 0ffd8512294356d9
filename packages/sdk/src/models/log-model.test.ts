import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DIALECTS } from '@railyard/server/testing/databases.js'
import { NotFoundError } from '@railyard/api'
import { RailyardClient } from '../client.js'
import { startRun } from '../fluent.js'
import { startTestServer, type TestServer } from '../testing/server.js'
import { logModel } from './log-model.js'
import { loadModel } from './load-model.js'
import { ModelLoadError, ModelNotFoundError } from './model-load-error.js'
import { registryOf } from './registry-client.js'
import { saveModel } from './save-model.js'

/** A railyard_js model that multiplies `x` by the factor in weights.json. */
function writeScaler(dir: string, factor: number): void {
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, 'weights.json'), JSON.stringify({ factor }))
  fs.writeFileSync(
    path.join(dir, 'predict.mjs'),
    `import fs from 'node:fs'
export function load(dir) {
  const { factor } = JSON.parse(fs.readFileSync(dir + '/weights.json', 'utf8'))
  return { predict: (rows) => rows.map((r) => r.x * factor) }
}
`,
  )
}

for (const dialect of DIALECTS) {
  describe(`logModel and loadModel against a server (${dialect})`, () => {
    let server: TestServer
    let work: string
    let requests: string[]
    let client: RailyardClient
    before(async () => {
      server = await startTestServer(dialect)
      work = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-log-model-'))
      requests = []
      client = new RailyardClient({
        trackingUri: server.url,
        retries: { retries: 2, baseDelayMs: 5 },
        fetch: (input, init) => {
          requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`)
          return fetch(input, init)
        },
      })
    })
    after(async () => {
      await server.close()
      fs.rmSync(work, { recursive: true, force: true })
    })

    test('a logged model is in the run artifacts and log-model history, and loads from runs:/ (then from the cache)', async () => {
      const run = await startRun({ client, experimentName: 'models' })
      const src = path.join(work, 'scaler-src')
      writeScaler(src, 2)
      const logged = await logModel(run, src, { flavor: 'railyard_js', inputExample: [{ x: 1 }, { x: 2.5 }] })
      assert.equal(logged.modelUri, `runs:/${run.runId}/model`)
      assert.deepEqual(logged.files, [
        'model/MLmodel',
        'model/input_example.json',
        'model/package.json',
        'model/predict.mjs',
        'model/weights.json',
      ])
      assert.equal(logged.manifest.run_id, run.runId)
      assert.equal(logged.manifest.artifact_path, 'model')
      assert.equal(logged.manifest.signature?.inputs, '[{"type": "double", "name": "x", "required": true}]')
      assert.equal(logged.manifest.signature?.outputs, '[{"type": "double", "required": true}]')
      // The source directory is copied, never written to.
      assert.deepEqual(fs.readdirSync(src).sort(), ['predict.mjs', 'weights.json'])

      const tags = (await run.getRun()).data.tags ?? []
      const history = JSON.parse(tags.find((t) => t.key === 'mlflow.log-model.history')!.value)
      assert.deepEqual(history, [
        {
          run_id: run.runId,
          artifact_path: 'model',
          utc_time_created: logged.manifest.utc_time_created,
          model_uuid: logged.manifest.model_uuid,
          flavors: { railyard_js: { module: 'predict.mjs', node_version: process.versions.node } },
        },
      ])
      await run.end()

      const cacheDir = path.join(work, 'cache-runs')
      const model = await loadModel(logged.modelUri, { client, cacheDir })
      assert.deepEqual(await model.predict([{ x: 1 }, { x: 4 }]), [2, 8])
      assert.ok(model.dir.startsWith(cacheDir))
      assert.equal(model.manifest.model_uuid, logged.manifest.model_uuid)

      requests.length = 0
      const again = await loadModel(logged.modelUri, { client, cacheDir })
      assert.deepEqual(requests, [], 'a second load of runs:/ makes no request')
      assert.equal(again.dir, model.dir)
      assert.deepEqual(await again.predict([{ x: 3 }]), [6])

      await assert.rejects(loadModel(`runs:/${run.runId}/nothing-here`, { client, cacheDir }), NotFoundError)
      assert.deepEqual(fs.readdirSync(path.join(cacheDir, 'tmp')), [], 'no scratch directory is left behind')
    })

    test('registered versions load by number and by alias; pinned versions come from the cache with no request', async () => {
      const registry = registryOf(client)
      const name = `scaler-${dialect}`
      const logOne = async (factor: number) => {
        const run = await startRun({ client, experimentName: 'models' })
        const dir = path.join(work, `scaler-${factor}`)
        writeScaler(dir, factor)
        run.logMetric('factor', factor) // buffered: logModel sends it before registering
        const logged = await logModel(run, dir, { flavor: 'railyard_js', registeredModelName: name, versionDescription: `x${factor}` })
        await run.end()
        return logged
      }
      const v1 = await logOne(3)
      assert.equal(v1.modelVersion?.version, '1')
      assert.equal(v1.modelVersion?.status, 'READY')
      assert.equal(v1.modelVersion?.run_id, v1.runId)
      // The registered model exists now: the second log ignores RESOURCE_ALREADY_EXISTS.
      const v2 = await logOne(10)
      assert.equal(v2.modelVersion?.version, '2')
      assert.equal(v2.modelVersion?.description, 'x10')
      await registry.setAlias(name, 'champion', '2', 'better')
      const lineage = await registry.lineage(name, '2')
      assert.equal(lineage.run?.run_id, v2.runId)
      assert.deepEqual(lineage.metrics?.map((m) => [m.key, m.value]), [['factor', 10]])

      const cacheDir = path.join(work, 'cache-registry')
      const m1 = await loadModel(`models:/${name}/1`, { client, cacheDir })
      assert.deepEqual(await m1.predict([{ x: 2 }]), [6])
      assert.equal(m1.modelVersion?.version, '1')
      assert.match(m1.modelVersion!.treeOid, /^sha256:[0-9a-f]{64}$/)
      assert.equal(path.basename(m1.dir), `tree-${m1.modelVersion!.treeOid.slice(7)}`)
      const champion = await loadModel(`models:/${name}@champion`, { client, cacheDir })
      assert.deepEqual(await champion.predict([{ x: 2 }]), [20])
      assert.equal(champion.modelVersion?.version, '2')

      requests.length = 0
      const m1Again = await loadModel(`models:/${name}/1`, { client, cacheDir })
      assert.deepEqual(requests, [], 'a pinned version loads from the cache with no request')
      assert.deepEqual(await m1Again.predict([{ x: 1 }]), [3])

      // An alias can move, so it is resolved every time: one request, and no download.
      await loadModel(`models:/${name}@champion`, { client, cacheDir })
      assert.deepEqual(requests, ['GET /api/2.0/railyard/model-versions/resolve'])
      await registry.setAlias(name, 'champion', '1', 'rollback')
      requests.length = 0
      const rolledBack = await loadModel(`models:/${name}@champion`, { client, cacheDir })
      assert.deepEqual(await rolledBack.predict([{ x: 1 }]), [3])
      assert.equal(rolledBack.dir, m1.dir)
      assert.deepEqual(requests, ['GET /api/2.0/railyard/model-versions/resolve'])

      const latest = await loadModel(`models:/${name}/latest`, { client, cacheDir })
      assert.equal(latest.modelVersion?.version, '2')

      await assert.rejects(loadModel(`models:/${name}/9`, { client, cacheDir }), NotFoundError)
      await assert.rejects(loadModel(`models:/${name}@nobody`, { client, cacheDir }), NotFoundError)
      await assert.rejects(loadModel('models:/no-such-model/1', { client, cacheDir }), NotFoundError)
    })

    test('concurrent loads of one model share one copy in the cache', async () => {
      const run = await startRun({ client, experimentName: 'models' })
      const dir = path.join(work, 'concurrent')
      writeScaler(dir, 5)
      const logged = await logModel(run, dir, { flavor: 'railyard_js', registeredModelName: `concurrent-${dialect}` })
      await run.end()
      const cacheDir = path.join(work, 'cache-concurrent')
      const uri = `models:/concurrent-${dialect}/${logged.modelVersion!.version}`
      // Separate clients stand in for separate processes: each downloads, one rename wins.
      const loads = await Promise.all(
        Array.from({ length: 4 }, () => loadModel(uri, { client: new RailyardClient({ trackingUri: server.url }), cacheDir })),
      )
      assert.equal(new Set(loads.map((m) => m.dir)).size, 1)
      for (const m of loads) assert.deepEqual(await m.predict([{ x: 1 }]), [5])
      assert.deepEqual(fs.readdirSync(path.join(cacheDir, 'entries')).length, 1)
      assert.deepEqual(fs.readdirSync(path.join(cacheDir, 'tmp')), [])
    })

    test("a model from the server that fails to load is named by its URI (or description), its files from the model's root", async () => {
      const run = await startRun({ client, experimentName: 'models' })
      const dir = path.join(work, 'broken')
      fs.mkdirSync(dir, { recursive: true })
      fs.writeFileSync(path.join(dir, 'predict.mjs'), `import fs from 'node:fs'\nexport function load(dir) { fs.readFileSync(dir + '/weights/w.bin') }\n`)
      const logged = await logModel(run, dir, { flavor: 'railyard_js', registeredModelName: `broken-${dialect}` })
      fs.writeFileSync(path.join(work, 'notes.txt'), 'not a model')
      await run.logArtifact(path.join(work, 'notes.txt'), 'notes')
      await run.end()
      const cacheDir = path.join(work, 'cache-broken')
      const uri = `models:/broken-${dialect}/${logged.modelVersion!.version}`
      const reason = "load() of 'predict.mjs' threw: ENOENT: no such file or directory, open 'weights/w.bin'"
      await assert.rejects(loadModel(uri, { client, cacheDir }), (err: Error) => {
        assert.ok(err instanceof ModelLoadError)
        assert.equal(err.message, `Cannot load the model at ${uri}: ${reason}`)
        assert.deepEqual([err.reason, err.file], [reason, 'predict.mjs'])
        assert.ok(err.dir!.startsWith(path.join(cacheDir, 'entries')), err.dir)
        return true
      })
      await assert.rejects(loadModel(uri, { client, cacheDir, description: `broken version ${logged.modelVersion!.version}` }), {
        message: `Cannot load broken version ${logged.modelVersion!.version}: ${reason}`,
      })
      // A run path that holds no model fails in the scratch folder of its download: named by its URI.
      const notes = `runs:/${run.runId}/notes`
      await assert.rejects(loadModel(notes, { client, cacheDir }), (err: Error) => {
        assert.ok(err instanceof ModelNotFoundError)
        assert.equal(err.message, `Cannot load the model at ${notes}: there is no MLmodel file`)
        return true
      })
    })

    test('a saved model directory and a model object are logged as they are', async () => {
      const run = await startRun({ client, experimentName: 'models' })
      const saved = path.join(work, 'saved')
      writeScaler(saved, 7)
      const original = await saveModel(saved, { flavor: 'railyard_js', metadata: { team: 'ml' } })
      const fromDir = await logModel(run, saved, { artifactPath: 'models/seven' })
      assert.equal(fromDir.modelUri, `runs:/${run.runId}/models/seven`)
      assert.equal(fromDir.manifest.model_uuid, original.model_uuid)
      assert.deepEqual(fromDir.manifest.metadata, { team: 'ml' })
      assert.equal(fromDir.manifest.run_id, run.runId)

      const fromObject = await logModel(
        run,
        {
          writeModelFiles(dir) {
            fs.writeFileSync(path.join(dir, 'main.mjs'), 'export const load = () => ({ predict: (xs) => xs.map((s) => s.toUpperCase()) })\n')
            return { flavor: 'railyard_js', module: 'main.mjs' }
          },
        },
        { artifactPath: 'upper', inputExample: ['a', 'b'] },
      )
      assert.equal(fromObject.manifest.signature?.outputs, '[{"type": "string", "required": true}]')
      await run.end()
      const cacheDir = path.join(work, 'cache-objects')
      assert.deepEqual(await (await loadModel(fromDir.modelUri, { client, cacheDir })).predict([{ x: 1 }]), [7])
      assert.deepEqual(await (await loadModel(fromObject.modelUri, { client, cacheDir })).predict(['hi']), ['HI'])
    })
  })
}
