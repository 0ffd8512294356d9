import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DIALECTS } from '@railyard/server/testing/databases.js'
import { ApiError } from '@railyard/api'
import { RailyardClient } from '../client.js'
import { startRun } from '../fluent.js'
import { startTestServer, type TestServer } from '../testing/server.js'

const ORIGINAL = {
  'a.csv': 'id,label\n1,cat\n2,dog\n',
  'b.csv': 'id,label\n3,bird\n',
  'deep/c.csv': 'id,label\n4,fish\n5,frog\n',
}

/** Rejects with a RESOURCE_CONFLICT whose message names every path in `paths`. */
async function assertConflictNaming(promise: Promise<unknown>, paths: string[]): Promise<ApiError> {
  const err = await promise.then(
    () => assert.fail('expected the read to fail'),
    (e: unknown) => e,
  )
  assert.ok(err instanceof ApiError, `expected an ApiError, got ${err}`)
  assert.equal(err.code, 'RESOURCE_CONFLICT', err.message)
  for (const p of paths) assert.match(err.message, new RegExp(p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')), err.message)
  return err
}

for (const dialect of DIALECTS) {
  describe(`tampered datastore files (${dialect})`, () => {
    let server: TestServer
    let client: RailyardClient
    let lake: string
    let scratch: string

    before(async () => {
      server = await startTestServer(dialect)
      client = new RailyardClient({ trackingUri: server.url, retries: { retries: 1, baseDelayMs: 5 } })
      lake = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-lake-'))
      scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-scratch-'))
      for (const [rel, content] of Object.entries(ORIGINAL)) {
        fs.mkdirSync(path.dirname(path.join(lake, rel)), { recursive: true })
        fs.writeFileSync(path.join(lake, rel), content)
      }
      await client.datasets.createDatastore({ name: 'lake', kind: 'local', config: { root: lake } })
      await client.datasets.create({ name: 'plain', datastore: 'lake' })
      await client.datasets.create({ name: 'kept', datastore: 'lake' })
    })
    after(async () => {
      await server.close()
      fs.rmSync(lake, { recursive: true, force: true })
      fs.rmSync(scratch, { recursive: true, force: true })
    })

    test('a file changed after an unpinned snapshot fails reads naming it; a pinned version still reads the original bytes', async () => {
      const plain = (await client.datasets.snapshot('plain')).version
      const kept = (await client.datasets.snapshot('kept', { pin: true })).version
      assert.equal(plain.pinned, false)
      assert.equal(kept.pinned, true)
      // Same files, same manifest: pinning changes where the bytes are read from, not the version id.
      assert.equal(kept.id, plain.id)

      // Someone rewrites a.csv in place (same size, other bytes) and deletes deep/c.csv.
      const tampered = ORIGINAL['a.csv'].replace('cat', 'cow')
      assert.equal(tampered.length, ORIGINAL['a.csv'].length)
      fs.writeFileSync(path.join(lake, 'a.csv'), tampered)
      const later = new Date(Date.now() + 5000)
      fs.utimesSync(path.join(lake, 'a.csv'), later, later)
      fs.rmSync(path.join(lake, 'deep/c.csv'))

      await assertConflictNaming(client.datasets.readFile('plain', plain.id, 'a.csv'), ['a.csv'])
      const vanished = await client.datasets.readFile('plain', plain.id, 'deep/c.csv').catch((e: unknown) => e)
      assert.ok(vanished instanceof ApiError, String(vanished))
      assert.match(vanished.message, /deep\/c\.csv/)
      // An untouched file of the same version still reads.
      assert.equal((await client.datasets.readFile('plain', plain.id, 'b.csv')).toString(), ORIGINAL['b.csv'])

      // The pinned version does not depend on the datastore any more.
      for (const [rel, content] of Object.entries(ORIGINAL)) {
        assert.equal((await client.datasets.readFile('kept', kept.id, rel)).toString(), content, rel)
      }

      // Materializing the unpinned version writes what is intact and names every broken file.
      const dir = path.join(scratch, 'plain')
      const err = await client.datasets.materialize('plain', plain.id, dir).catch((e: unknown) => e)
      assert.ok(err instanceof ApiError, String(err))
      assert.match(err.message, /2 file\(s\)/)
      assert.match(err.message, /a\.csv/)
      assert.match(err.message, /deep\/c\.csv/)
      assert.equal(fs.readFileSync(path.join(dir, 'b.csv'), 'utf8'), ORIGINAL['b.csv'])
      assert.equal(fs.existsSync(path.join(dir, 'a.csv')), false, 'no wrong bytes under the real name')
      assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.part')), [], 'no temporary files left behind')

      // The pinned version materializes whole, with the original bytes.
      const keptDir = path.join(scratch, 'kept')
      const result = await client.datasets.materialize('kept', kept.id, keptDir)
      assert.equal(result.files, 3)
      for (const [rel, content] of Object.entries(ORIGINAL)) assert.equal(fs.readFileSync(path.join(keptDir, rel), 'utf8'), content)

      // Through a run: useDataset of the unpinned version hands back a reader that fails the same way.
      const run = await startRun({ client, experimentName: 'tamper', runName: 'unpinned' })
      const used = await run.useDataset('plain', { version: plain.id })
      assert.equal(used.versionId, plain.id)
      await assertConflictNaming(used.readFile('a.csv'), ['a.csv'])
      await run.end()

      // The server's check agrees: verify names both files.
      const check = await client.datasets.verify('plain', plain.id)
      assert.equal(check.ok, false)
      assert.deepEqual(check.changed?.map((c) => c.path).sort(), ['a.csv', 'deep/c.csv'])
    })
  })
}
