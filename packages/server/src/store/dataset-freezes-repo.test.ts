import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Store } from './store.js'
import { DIALECTS, createTestDatabase, type TestDatabase } from '../testing/databases.js'

const id = (n: number) => `sha256:${String(n).padStart(64, '0')}`

for (const dialect of DIALECTS) {
  describe(`dataset freezes and stat cache repositories (${dialect})`, () => {
    let db: TestDatabase
    let store: Store
    let datasetId: number
    let datastoreId: number

    before(async () => {
      db = await createTestDatabase(dialect)
      store = await Store.open(db.uri)
      const ds = await store.datasets.insertDatastore({ name: 'lake', kind: 'local', config: '{"root":"/"}', credentials: '{"type":"none"}', description: null, created_by: null, creation_timestamp: 1 })
      datastoreId = ds.datastore_id
      const row = await store.datasets.insertDataset({
        name: 'd', type: 'files', datastore_id: datastoreId, path: '', glob: null, include: '[]', exclude: '[]', table_source: null, description: null, tags: '[]', created_by: null, creation_timestamp: 1,
      })
      datasetId = row.dataset_id
    })
    after(async () => {
      await store.close()
      await db.drop()
    })

    test('of many parallel first freezes with different versions, exactly one wins and all see it', async () => {
      const attempts = Array.from({ length: 12 }, (_, i) =>
        store.datasets.freezes.freezeFirst({ experimentId: 7, datasetId, datasetName: 'd', versionId: id(i), who: `run-${i}`, at: 1000 + i }),
      )
      const results = await Promise.all(attempts)
      assert.equal(results.filter((r) => r.created).length, 1)
      const winner = results.find((r) => r.created)!.row.version_id
      for (const r of results) assert.equal(r.row.version_id, winner)
      const history = await store.datasets.freezes.history(7, datasetId, 0, 100)
      assert.equal(history.length, 1)
      assert.equal(history[0].action, 'freeze')
      assert.equal(history[0].to_version, winner)
    })

    test('parallel refreshes record a consistent chain of from → to', async () => {
      await Promise.all([100, 101, 102, 103].map((n) => store.datasets.freezes.move({ experimentId: 7, datasetId, datasetName: 'd', versionId: id(n), who: 'w', reason: 'r', at: n })))
      const events = (await store.datasets.freezes.history(7, datasetId, 0, 100)).reverse()
      assert.equal(events.length, 5)
      for (let i = 1; i < events.length; i++) assert.equal(events[i].from_version, events[i - 1].to_version)
      const current = await store.datasets.freezes.get(7, datasetId)
      assert.equal(current!.version_id, events[events.length - 1].to_version)
    })

    test('stat cache: batched upsert and lookup of 2,500 paths, updates overwrite', async () => {
      const entries = Array.from({ length: 2500 }, (_, i) => ({ path: `f/${i}`, size: i, marker: `m${i}`, oid: id(i) }))
      await store.datasets.statCache.upsert(datastoreId, entries)
      const found = await store.datasets.statCache.lookup(datastoreId, entries.map((e) => e.path).concat(['absent']))
      assert.equal(found.length, 2500)
      await store.datasets.statCache.upsert(datastoreId, [{ path: 'f/1', size: 9, marker: 'new', oid: id(9) }])
      const [one] = await store.datasets.statCache.lookup(datastoreId, ['f/1'])
      assert.deepEqual(one, { path: 'f/1', size: 9, marker: 'new', oid: id(9) })
    })

    test('stat cache ranges follow byte order on both dialects (PostgreSQL: COLLATE "C")', async () => {
      const paths = ['r/B', 'r/_', 'r/a', 'r/é']
      await store.datasets.statCache.upsert(datastoreId, paths.map((p, i) => ({ path: p, size: i, marker: 'm', oid: id(i) })))
      const range = await store.datasets.statCache.lookupRange(datastoreId, 'r/B', 'r/é')
      assert.deepEqual(range.map((e) => e.path).sort(), [...paths].sort())
      assert.deepEqual((await store.datasets.statCache.lookupRange(datastoreId, 'r/_', 'r/a')).map((e) => e.path).sort(), ['r/_', 'r/a'])
    })

    test('versions: recording the same id again reuses it, pinning only turns on, prefixes resolve', async () => {
      const row = (pinned: number, at: number) => ({
        dataset_id: datasetId, version_id: id(42), file_count: 1, total_bytes: 2, manifest_bytes: 3, index_oid: id(1), pinned,
        row_count: null, table_digest: null, message: null, tags: '[]', created_by: null, creation_timestamp: at, last_taken_timestamp: at,
      })
      assert.equal((await store.datasets.versions.record(row(0, 10))).reused, false)
      const pinned = await store.datasets.versions.record(row(1, 20))
      assert.deepEqual([pinned.reused, pinned.row.pinned, pinned.row.creation_timestamp, pinned.row.last_taken_timestamp], [true, 1, 10, 20])
      const again = await store.datasets.versions.record(row(0, 30))
      assert.equal(again.row.pinned, 1)
      assert.equal((await store.datasets.versions.byPrefix(datasetId, '00000000')).length, 1)
      assert.equal((await store.datasets.versions.byPrefix(datasetId, '00000001')).length, 0)
      assert.equal(await store.datasets.versions.isUsed(id(42)), true)
    })
  })
}
