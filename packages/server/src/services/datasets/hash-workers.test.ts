import { after, afterEach, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { contentIdOf } from '@railyard/content-id'
import { DIALECTS } from '../../testing/databases.js'
import { createTestApp, type TestApp } from '../../testing/test-app.js'
import { FileChangedError, type SourceFile } from './data-source.js'
import { hashWorkerSettings } from './hash-workers.js'
import { LocalFolderSource } from './local-source.js'
import { hashSmallFiles, hasherDeps } from './small-file-hasher.js'

// The content id by the size rule: SHA-256 up to 1 MiB, BLAKE3 above (big.bin).
const sha = (b: Buffer | string) => contentIdOf(Buffer.from(b))
const defaults = { ...hashWorkerSettings }
// Forces the workers on for any batch, in chunks small enough that several workers share one.
const useWorkers = () => Object.assign(hashWorkerSettings, { threads: 2, minFiles: 1, chunkFiles: 7 })
const noWorkers = () => Object.assign(hashWorkerSettings, { threads: 0 })

/** Deterministic bytes of varied sizes (some empty, one past the small-file limit). */
function writeFiles(root: string, count: number): void {
  for (let i = 0; i < count; i++) {
    const file = path.join(root, `d${i % 7}`, `f${String(i).padStart(4, '0')}.bin`)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, Buffer.alloc((i * 37) % 9000, String(i)))
  }
  fs.writeFileSync(path.join(root, 'big.bin'), Buffer.alloc(1024 * 1024 + 3, 'x'))
}

describe('small-file hash workers', () => {
  let root: string
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-hashw-'))
    writeFiles(root, 40)
    // Names travel to the workers joined in one string: spaces and non-ASCII must survive.
    fs.mkdirSync(path.join(root, 'sp ace'))
    fs.writeFileSync(path.join(root, 'sp ace', 'é ü,\u{1f600}.bin'), 'unicode name')
  })
  after(() => fs.rmSync(root, { recursive: true, force: true }))
  afterEach(() => Object.assign(hashWorkerSettings, defaults))

  test('hash, keep bytes and report changed or vanished files exactly as the main thread does', async () => {
    const source = new LocalFolderSource(root)
    const files: SourceFile[] = []
    for await (const page of source.list('')) files.push(...page)
    files.push({ key: 'd0/f0007.bin', size: 5, marker: 'm' }, { key: 'gone.bin', size: 4, marker: 'm' })
    noWorkers()
    const here = await source.hashBatch(files, true)
    useWorkers()
    const there = await source.hashBatch(files, true)
    assert.equal(there.length, files.length)
    files.forEach((f, i) => {
      const [a, b] = [here[i], there[i]]
      if (a instanceof Error || b instanceof Error) {
        assert.ok(a instanceof FileChangedError && b instanceof FileChangedError, f.key)
        assert.equal(b.message, a.message)
        return
      }
      const content = fs.readFileSync(path.join(root, f.key))
      assert.equal(b.oid, sha(content))
      assert.equal(b.oid, a.oid)
      if (f.size <= 1024 * 1024) assert.deepEqual(b.bytes, content)
    })
    assert.match((there.at(-2) as Error).message, /listed with 5 bytes, now larger/)
    assert.match((there.at(-1) as Error).message, /it is gone/)
  })

  test('without crypto.hash (Node before 20.12) the ids are the same', () => {
    const names = ['d0/f0000.bin', 'd1/f0001.bin', 'sp ace/é ü,\u{1f600}.bin']
    const sizes = names.map((n) => fs.statSync(path.join(root, n)).size)
    const oneShot = hashSmallFiles(hasherDeps(), root + path.sep, names, sizes, false)
    const objects = hashSmallFiles({ ...hasherDeps(), hash: undefined }, root + path.sep, names, sizes, false)
    assert.deepEqual(objects.outcomes, oneShot.outcomes)
    assert.deepEqual(oneShot.outcomes, names.map((n) => sha(fs.readFileSync(path.join(root, n)))))
  })
})

for (const dialect of DIALECTS) {
  describe(`snapshots with and without hash workers (${dialect})`, () => {
    let t: TestApp
    let root: string
    before(async () => {
      t = await createTestApp(dialect)
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-hashw-'))
      writeFiles(root, 2300)
      // Two datastores on one folder: each has its own stat cache, so both snapshots read every file.
      for (const name of ['here', 'there', 'pinned']) {
        await t.services.datasets.datastores.create({ name, kind: 'local', config: { root } }, 'tester')
        await t.services.datasets.definitions.create({ name, datastore: name, path: '' }, 'tester')
      }
    })
    after(async () => {
      Object.assign(hashWorkerSettings, defaults)
      await t.dispose()
      fs.rmSync(root, { recursive: true, force: true })
    })
    const snapshot = async (name: string, pin = false) => (await (await t.services.datasets.prepareSnapshot({ name, pin }, 'tester')).run()).version

    test('give the same version id, pinned or not', async () => {
      noWorkers()
      const here = await snapshot('here')
      useWorkers()
      const there = await snapshot('there')
      const pinned = await snapshot('pinned', true)
      assert.equal(here.file_count, 2301)
      assert.equal(there.id, here.id)
      assert.equal(pinned.id, here.id)
      const objects = t.services.registry.objects
      for (const rel of ['d1/f0001.bin', 'd2/f2298.bin', 'big.bin']) assert.equal(await objects.has(sha(fs.readFileSync(path.join(root, rel)))), true, rel)
      // A re-snapshot takes every hash from the cache and still agrees.
      assert.equal((await snapshot('there')).id, here.id)
    })
  })
}
