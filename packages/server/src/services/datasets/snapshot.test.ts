import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { SnapshotEvent } from '@railyard/api'
import { contentIdOf } from '@railyard/content-id'
import { DIALECTS } from '../../testing/databases.js'
import { createTestApp, type TestApp } from '../../testing/test-app.js'

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`

for (const dialect of DIALECTS) {
  describe(`snapshot engine (${dialect})`, () => {
    let t: TestApp
    let root: string
    const put = (rel: string, content: Buffer | string) => {
      const file = path.join(root, rel)
      fs.mkdirSync(path.dirname(file), { recursive: true })
      fs.writeFileSync(file, content)
    }
    const snapshot = async (name: string, opts: { pin?: boolean; rehash?: boolean } = {}, onEvent?: (e: SnapshotEvent) => void) => {
      const job = await t.services.datasets.prepareSnapshot({ name, ...opts }, 'tester')
      const events: SnapshotEvent[] = []
      const result = await job.run((e) => {
        events.push(e)
        onEvent?.(e)
      })
      return { ...result, events }
    }
    const manifestObjects = () => {
      const dir = path.join(t.artifactsDir, 'objects', 'sha256')
      return fs.existsSync(dir) ? fs.readdirSync(dir).flatMap((d) => fs.readdirSync(path.join(dir, d)).map((f) => d + f)) : []
    }

    before(async () => {
      t = await createTestApp(dialect)
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-snap-'))
      await t.services.datasets.datastores.create({ name: 'disk', kind: 'local', config: { root } }, 'tester')
    })
    after(async () => {
      await t.dispose()
      fs.rmSync(root, { recursive: true, force: true })
    })

    test('a re-snapshot reads only new and changed files (the stat cache has the rest)', async () => {
      for (let i = 0; i < 2500; i++) put(`cache/f${String(i).padStart(4, '0')}.txt`, `file ${i}\n`)
      await t.services.datasets.definitions.create({ name: 'cache', datastore: 'disk', path: 'cache' }, 'tester')
      const first = await snapshot('cache')
      assert.equal(first.version.file_count, 2500)
      assert.equal(first.events.at(-1)!.files_cached ?? 0, 0)

      put('cache/new-1.txt', 'new')
      put('cache/new-2.txt', 'new too')
      put('cache/f0007.txt', 'changed\n')
      const second = await snapshot('cache')
      assert.equal(second.version.file_count, 2502)
      const last = second.events.at(-1)!
      assert.equal(last.files_cached, 2499, 'only the two new files and the changed one were read')
      const entry = await t.services.datasets.files.entry(
        await t.services.datasets.definitions.row('cache'),
        second.row,
        'f0007.txt',
      )
      assert.equal(entry.oid, sha('changed\n'))
    })

    test('bytes changed under the same size and time: the cached hash stays until --rehash, and a pinned snapshot corrects it', async () => {
      put('stale/a.txt', 'one 1')
      put('stale/c.txt', 'three')
      await t.services.datasets.definitions.create({ name: 'stale', datastore: 'disk', path: 'stale' }, 'tester')
      const first = await snapshot('stale')
      // New bytes of the same length, the time put back to the nanosecond (as `cp -p` would leave it).
      const rewriteKeepingTime = (rel: string, content: string) => {
        const file = path.join(root, rel)
        const ref = `${file}.ref`
        fs.writeFileSync(ref, '')
        execFileSync('touch', ['-r', file, ref])
        fs.writeFileSync(file, content)
        execFileSync('touch', ['-r', ref, file])
        fs.rmSync(ref)
      }
      rewriteKeepingTime('stale/a.txt', 'ONE 1')
      const dataset = await t.services.datasets.definitions.row('stale')
      const oidIn = async (row: typeof first.row, file: string) => (await t.services.datasets.files.entry(dataset, row, file)).oid

      const trusting = await snapshot('stale')
      assert.equal(trusting.version.id, first.version.id, 'size and marker unchanged: the cache is trusted')
      assert.equal(await oidIn(trusting.row, 'a.txt'), sha('one 1'))

      const rehashed = await snapshot('stale', { rehash: true })
      assert.notEqual(rehashed.version.id, first.version.id)
      assert.equal(rehashed.events.at(-1)!.files_cached ?? 0, 0, 'nothing taken from the cache')
      assert.equal(await oidIn(rehashed.row, 'a.txt'), sha('ONE 1'))
      assert.equal((await snapshot('stale')).version.id, rehashed.version.id, 'the cache now holds the new hash')

      rewriteKeepingTime('stale/c.txt', 'THREE')
      const pinned = await snapshot('stale', { pin: true })
      assert.equal(await oidIn(pinned.row, 'c.txt'), sha('THREE'), 'pinning read the file and kept what it read')
      assert.equal(await t.services.registry.objects.has(sha('THREE')), true)
      assert.equal((await snapshot('stale')).version.id, pinned.version.id, 'and corrected the cache entry')
    })

    test('large files stream through the hasher with byte progress; the id matches their content', async () => {
      const big = randomBytes(3 * 1024 * 1024 + 17)
      put('large/big.bin', big)
      put('large/small.txt', 'small')
      await t.services.datasets.definitions.create({ name: 'large', datastore: 'disk', path: 'large' }, 'tester')
      const { version, row } = await snapshot('large')
      assert.equal(version.total_bytes, big.length + 5)
      const entry = await t.services.datasets.files.entry(await t.services.datasets.definitions.row('large'), row, 'big.bin')
      // Over 1 MiB: named by BLAKE3 (see @railyard/content-id).
      assert.equal(entry.oid, contentIdOf(big))
      const opened = await t.services.datasets.files.open(await t.services.datasets.definitions.row('large'), row, 'big.bin')
      const chunks: Buffer[] = []
      for await (const c of opened.body) chunks.push(c as Buffer)
      assert.ok(Buffer.concat(chunks).equals(big))
    })

    test('pinning copies every file into the object store; pinned reads survive the datastore losing them', async () => {
      put('pin/a.txt', 'alpha')
      put('pin/b.txt', 'beta')
      await t.services.datasets.definitions.create({ name: 'pin', datastore: 'disk', path: 'pin' }, 'tester')
      const { row, events } = await snapshot('pin', { pin: true })
      assert.ok(events.some((e) => e.phase === 'pinning'))
      const objects = t.services.registry.objects
      assert.equal(await objects.has(sha('alpha')), true)
      assert.equal(await objects.has(sha('beta')), true)
      fs.rmSync(path.join(root, 'pin'), { recursive: true })
      const dataset = await t.services.datasets.definitions.row('pin')
      const opened = await t.services.datasets.files.open(dataset, row, 'b.txt')
      let text = ''
      for await (const c of opened.body) text += c
      assert.equal(text, 'beta')
    })

    test('symbolic links are not data: never listed, and a file swapped for one is not followed', async () => {
      const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-outside-'))
      fs.writeFileSync(path.join(outside, 'secret.txt'), 'top secret')
      put('links/real.txt', 'real data!')
      fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'links', 'link.txt'))
      await t.services.datasets.definitions.create({ name: 'links', datastore: 'disk', path: 'links' }, 'tester')
      const { row } = await snapshot('links')
      const dataset = await t.services.datasets.definitions.row('links')
      assert.equal(row.file_count, 1)
      fs.rmSync(path.join(root, 'links', 'real.txt'))
      fs.writeFileSync(path.join(outside, 'same-size.txt'), 'secret!!!!')
      fs.symlinkSync(path.join(outside, 'same-size.txt'), path.join(root, 'links', 'real.txt'))
      await assert.rejects(t.services.datasets.files.open(dataset, row, 'real.txt'), /real\.txt \(missing\)/)
      fs.rmSync(outside, { recursive: true })
    })

    test('local datastores can be confined to allowed folders', async () => {
      const { DatasetServices } = await import('./dataset-services.js')
      const confined = new DatasetServices(
        t.store,
        { runs: t.services.runs, experiments: t.services.experiments, objects: t.services.registry.objects },
        { localRoots: [path.join(root, 'allowed')] },
      )
      fs.mkdirSync(path.join(root, 'allowed', 'inner'), { recursive: true })
      await confined.datastores.create({ name: 'inside', kind: 'local', config: { root: path.join(root, 'allowed', 'inner') } }, 'tester')
      await assert.rejects(
        confined.datastores.create({ name: 'outside', kind: 'local', config: { root: path.join(root, 'allowedx') }, verify: false }, 'tester'),
        (err: Error & { code?: string }) => err.code === 'PERMISSION_DENIED' && /outside the folders this server allows/.test(err.message),
      )
      await assert.rejects(confined.datastores.create({ name: 'up', kind: 'local', config: { root: '/etc' } }, 'tester'), /outside the folders/)
    })

    test('a file that changes while the snapshot reads it fails the snapshot, naming it, and leaves nothing', async () => {
      for (let i = 0; i < 50; i++) put(`moving/f${i}.txt`, `row ${i}\n`)
      await t.services.datasets.definitions.create({ name: 'moving', datastore: 'disk', path: 'moving' }, 'tester')
      const before = manifestObjects()
      await assert.rejects(
        snapshot('moving', {}, (e) => {
          // Listed already; grows before it is read.
          if (e.phase === 'hashing') fs.appendFileSync(path.join(root, 'moving', 'f42.txt'), 'more')
        }),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, 'RESOURCE_CONFLICT')
          assert.match(err.message, /File 'moving\/f42\.txt' changed while it was read/)
          return true
        },
      )
      const dataset = await t.services.datasets.definitions.row('moving')
      assert.equal(await t.store.datasets.versions.latest(dataset.dataset_id), undefined)
      assert.deepEqual(manifestObjects(), before)
      // Once writes stop, a snapshot succeeds.
      assert.equal((await snapshot('moving')).version.file_count, 50)
    })
  })
}
