import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createTestDatabase, DIALECTS } from '../testing/databases.js'
import { createTestApp, type TestApp } from '../testing/test-app.js'
import { trainRun, type TrainedRun } from '../routes/registry-fixtures.js'
import { ManifestWriter } from '../objects/manifest.js'
import { DatasetManifests } from '../objects/dataset-manifests.js'
import { Store } from '../store/store.js'
import { GarbageCollector, GcRefusedError, type GcOptions } from './gc.js'

const HOUR = 60 * 60 * 1000
const actor = { who: 'tester' }

for (const dialect of DIALECTS) {
  describe(`railyard gc (${dialect})`, () => {
    let t: TestApp
    let run: TrainedRun
    let dataRoot: string

    const blobs = () => t.services.artifacts.blobs
    const objects = () => t.services.registry.objects
    const collect = (opts: Partial<GcOptions> = {}) => {
      const keys: string[] = []
      const report = new GarbageCollector(t.store, blobs()).run({ minAgeMs: 0, ...opts, onGarbage: (k) => keys.push(k) })
      return report.then((r) => ({ ...r, keys: keys.sort() }))
    }
    const exists = (key: string) => blobs().exists(key)
    /** Makes a blob look as if it was written `ms` ago. */
    const age = (key: string, ms: number) => {
      const when = new Date(Date.now() - ms)
      fs.utimesSync(path.join(t.artifactsDir, key), when, when)
    }
    /** The keys of a version's tree and of every file in it. */
    const versionKeys = async (name: string, version: number) => {
      const row = await t.services.registry.versions.row(name, version)
      const tree = await objects().getTree(row.storage_location!)
      return [tree.oid, ...tree.entries.map((e) => e.oid)].map((oid) => objects().keyOf(oid))
    }
    const register = async (name: string) => {
      const { model_version } = await t.services.registry.versions.create({ name, source: `runs:/${run.runId}/model` }, actor)
      assert.equal(model_version.status, 'READY')
      return Number(model_version.version)
    }
    const garbageObject = async () => objects().keyOf((await objects().putBuffer(randomBytes(64))).oid)

    before(async () => {
      t = await createTestApp(dialect)
      run = await trainRun(t.app)
      dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-gc-data-'))
      await t.services.datasets.datastores.create({ name: 'disk', kind: 'local', config: { root: dataRoot } }, 'tester')
    })
    after(async () => {
      await t.dispose()
      fs.rmSync(dataRoot, { recursive: true, force: true })
    })

    test('a registered version keeps its objects; shared ones outlive one version; deleting the model frees them', async () => {
      await t.services.registry.models.create({ name: 'churn' })
      const v1 = await register('churn')
      const keys = await versionKeys('churn', v1)
      assert.equal(keys.length, 4, 'the tree and its three files')

      const first = await collect({ apply: true })
      for (const key of keys) assert.ok(await exists(key), `${key} is referenced and stays`)
      assert.ok(first.referenced.objects >= 4)
      assert.deepEqual(first.keys.filter((k) => keys.includes(k)), [])

      // The same files registered again: one tree and the same file objects, now named by two versions.
      const v2 = await register('churn')
      assert.deepEqual(await versionKeys('churn', v2), keys)
      await t.services.registry.versions.delete('churn', v1, actor)
      await collect({ apply: true })
      for (const key of keys) assert.ok(await exists(key), `${key} is still used by version ${v2}`)

      await t.services.registry.models.delete('churn', actor)
      const freed = await collect({ apply: true })
      assert.deepEqual(freed.keys, [...keys].sort())
      assert.equal(freed.deleted.objects, 4)
      for (const key of keys) assert.equal(await exists(key), false, `${key} went with the model`)
    })

    test('a deleted version (soft-deleted, never readable again) frees its objects', async () => {
      await t.services.registry.models.create({ name: 'solo' })
      const v = await register('solo')
      const keys = await versionKeys('solo', v)
      await t.services.registry.versions.delete('solo', v, actor)
      const report = await collect({ apply: true })
      assert.deepEqual(report.keys, [...keys].sort())
      for (const key of keys) assert.equal(await exists(key), false)
      await t.services.registry.models.delete('solo', actor)
    })

    test('a dry run deletes nothing and names the same objects --apply then deletes; a second gc finds nothing', async () => {
      const garbage = [await garbageObject(), await garbageObject(), await garbageObject()].sort()
      const dry = await collect()
      assert.equal(dry.dry_run, true)
      assert.deepEqual(dry.keys, garbage)
      assert.equal(dry.garbage.objects, 3)
      assert.equal(dry.garbage.bytes, 3 * 64)
      assert.equal(dry.deleted.objects, 0)
      for (const key of garbage) assert.ok(await exists(key), 'a dry run deletes nothing')

      const applied = await collect({ apply: true })
      assert.deepEqual(applied.keys, dry.keys)
      assert.deepEqual(applied.deleted, dry.garbage)
      for (const key of garbage) assert.equal(await exists(key), false)

      const again = await collect({ apply: true })
      assert.deepEqual(again.keys, [])
      assert.deepEqual(again.garbage, { objects: 0, bytes: 0 })
      assert.equal(again.scanned.objects, again.referenced.objects + again.young.objects + again.unrecognized.objects)
    })

    test('unreferenced objects younger than the grace period stay; older ones go', async () => {
      const fresh = await garbageObject()
      const old = await garbageObject()
      age(old, 2 * HOUR)
      const report = await collect({ apply: true, minAgeMs: HOUR })
      assert.deepEqual(report.keys, [old])
      assert.ok(await exists(fresh))
      assert.equal(report.young.objects, 1)
      age(fresh, 2 * HOUR)
      assert.deepEqual((await collect({ apply: true, minAgeMs: HOUR })).keys, [fresh])
    })

    test('leftover uploads under objects/tmp/ go once older than the grace period', async () => {
      const stale = `objects/tmp/${randomUUID()}`
      const inFlight = `objects/tmp/${randomUUID()}`
      await blobs().put(stale, Buffer.from('half an upload'))
      await blobs().put(inFlight, Buffer.from('an upload in progress'))
      age(stale, 2 * HOUR)
      const report = await collect({ apply: true, minAgeMs: HOUR })
      assert.deepEqual(report.keys, [stale])
      assert.deepEqual(report.leftover_uploads, { objects: 1, bytes: 14 })
      assert.equal(await exists(stale), false)
      assert.ok(await exists(inFlight))
      age(inFlight, 2 * HOUR)
      assert.deepEqual((await collect({ apply: true, minAgeMs: HOUR })).keys, [inFlight])
    })

    test("a pinned dataset version's manifest, index and files stay; a manifest no version names goes with its files", async () => {
      fs.mkdirSync(path.join(dataRoot, 'pin'))
      fs.writeFileSync(path.join(dataRoot, 'pin', 'a.txt'), 'alpha')
      fs.writeFileSync(path.join(dataRoot, 'pin', 'b.txt'), 'beta')
      await t.services.datasets.definitions.create({ name: 'pin', datastore: 'disk', path: 'pin' }, 'tester')
      const { row } = await (await t.services.datasets.prepareSnapshot({ name: 'pin', pin: true }, 'tester')).run()
      const manifests = new DatasetManifests(objects())
      const entries = []
      for await (const { entry } of manifests.entries(row.version_id)) entries.push(entry)
      const kept = [row.version_id, row.index_oid, ...entries.map((e) => e.oid)].map((oid) => objects().keyOf(oid))
      assert.equal(kept.length, 4)

      // What a snapshot that died before recording its version leaves: a manifest, its index and pinned files.
      const files = [randomBytes(100), randomBytes(200)]
      const writer = ManifestWriter.create()
      const orphan: string[] = []
      for (const [i, bytes] of files.entries()) {
        const { oid, size } = await objects().putBuffer(bytes)
        orphan.push(objects().keyOf(oid))
        await writer.add({ path: `f${i}.bin`, size, oid, marker: 'm' })
      }
      const built = await writer.finish()
      const { indexOid } = await manifests.store(built)
      await writer.discard()
      orphan.push(objects().keyOf(built.oid), objects().keyOf(indexOid))

      const report = await collect({ apply: true })
      assert.deepEqual(report.keys, orphan.sort())
      for (const key of kept) assert.ok(await exists(key), `${key} belongs to a pinned version`)
      for (const key of orphan) assert.equal(await exists(key), false)
    })

    test('files a snapshot in progress pinned (named only in the stat cache so far) stay', async () => {
      const pinned = await objects().putBuffer(randomBytes(32))
      const garbage = await garbageObject()
      const disk = (await t.store.datasets.datastoreByName('disk'))!
      await t.store.datasets.statCache.upsert(disk.datastore_id, [{ path: 'in-progress/x.bin', size: 32, marker: 'm', oid: pinned.oid }])
      const report = await collect({ apply: true })
      assert.deepEqual(report.keys, [garbage])
      assert.ok(await exists(objects().keyOf(pinned.oid)))
      assert.ok(report.marked.cached_hashes >= 1)
    })

    test('while a registration is copying files no object goes; leftover uploads still do', async () => {
      await t.services.registry.models.create({ name: 'slow' })
      const model = await t.services.registry.models.row('slow')
      const version = await t.store.registry.versions.create(
        { modelId: model.model_id, source: `runs:/${run.runId}/model`, tags: [], status: 'PENDING_REGISTRATION', now: Date.now() },
        actor,
      )
      const garbage = await garbageObject()
      const upload = `objects/tmp/${randomUUID()}`
      await blobs().put(upload, Buffer.from('x'))
      const held = await collect({ apply: true })
      assert.deepEqual(held.keys, [upload])
      assert.deepEqual(held.held, { objects: 1, bytes: 64 })
      assert.deepEqual(held.held_by, [`slow version ${version}`])
      assert.ok(await exists(garbage))

      await t.store.registry.versions.finishRegistration(model.model_id, version, { status: 'FAILED_REGISTRATION', message: 'gave up', now: Date.now() })
      assert.deepEqual((await collect({ apply: true })).keys, [garbage])
      await t.services.registry.models.delete('slow', actor)
    })

    test('keys under objects/ that are not objects are never touched', async () => {
      const odd = 'objects/sha256/zz/not-an-object'
      await blobs().put(odd, Buffer.from('?'))
      age(odd, 2 * HOUR)
      const report = await collect({ apply: true })
      assert.deepEqual(report.keys, [])
      assert.equal(report.unrecognized.objects, 1)
      assert.ok(await exists(odd))
      await blobs().delete(odd)
    })

    test('refuses, deleting nothing, when a live version tree is missing', async () => {
      await t.services.registry.models.create({ name: 'broken' })
      const v = await register('broken')
      const [treeKey] = await versionKeys('broken', v)
      const garbage = await garbageObject()
      const tree = await blobs().get(treeKey)
      const saved: Buffer[] = []
      for await (const c of tree) saved.push(c as Buffer)
      await blobs().delete(treeKey)
      await assert.rejects(collect({ apply: true }), (err: Error) => err instanceof GcRefusedError && /files tree of model 'broken' version 1/.test(err.message))
      assert.ok(await exists(garbage))
      await blobs().put(treeKey, Buffer.concat(saved))
      await t.services.registry.models.delete('broken', actor)
      await collect({ apply: true })
    })

    test('refuses a database that never stored an object next to a store that has some', async () => {
      const garbage = await garbageObject()
      const db = await createTestDatabase(dialect)
      const empty = await Store.open(db.uri)
      try {
        await assert.rejects(new GarbageCollector(empty, blobs()).run({ minAgeMs: 0, apply: true }), GcRefusedError)
        assert.ok(await exists(garbage))
      } finally {
        await empty.close()
        await db.drop()
      }
      await collect({ apply: true })
    })
  })
}
