import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { BlobKeyError, BlobNotFoundError } from './blob.js'
import { ESCAPING_KEYS, testBlobStore } from './blob-suite.js'
import { LocalBlobStore, TEMP_PREFIX } from './local.js'

testBlobStore('local', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-blob-'))
  return {
    store: new LocalBlobStore(path.join(dir, 'root')),
    async dispose() {
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
})

/** Every file and folder under `dir`, relative, sorted. */
function tree(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return (fs.readdirSync(dir, { recursive: true }) as string[]).map((p) => p.split(path.sep).join('/')).sort()
}

describe('LocalBlobStore on disk', () => {
  let parent: string
  let root: string
  let store: LocalBlobStore
  before(() => {
    parent = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-blob-local-'))
    root = path.join(parent, 'root')
    store = new LocalBlobStore(root)
  })
  after(() => fs.rmSync(parent, { recursive: true, force: true }))

  test('a key is the file of the same path under the root, created with its folders', async () => {
    await store.put('exp/run/artifacts/model/weights.bin', Buffer.from('w'))
    assert.equal(fs.readFileSync(path.join(root, 'exp/run/artifacts/model/weights.bin'), 'utf8'), 'w')
    await store.delete('exp/run/artifacts/model/weights.bin')
  })

  test('rejected keys touch nothing inside or outside the root', async () => {
    await store.put('keep/me.txt', Buffer.from('kept'))
    fs.writeFileSync(path.join(parent, 'x'), 'outside')
    const before = { inside: tree(root), outside: tree(parent) }
    for (const bad of ESCAPING_KEYS) {
      await assert.rejects(store.put(bad, Readable.from([Buffer.from('evil')])), BlobKeyError)
      await assert.rejects(store.delete(bad), BlobKeyError)
    }
    assert.deepEqual(tree(root), before.inside)
    assert.deepEqual(tree(parent), before.outside)
    assert.equal(fs.readFileSync(path.join(parent, 'x'), 'utf8'), 'outside')
    assert.equal(fs.readFileSync(path.join(root, 'keep/me.txt'), 'utf8'), 'kept')
    fs.rmSync(path.join(parent, 'x'))
    await store.delete('keep/me.txt')
  })

  test('delete prunes the folders it empties, up to but not including the root', async () => {
    await store.put('p/q/r/s.txt', Buffer.from('1'))
    await store.put('p/other.txt', Buffer.from('2'))
    await store.delete('p/q/r/s.txt')
    assert.deepEqual(tree(root), ['p', 'p/other.txt'])
    await store.delete('p/other.txt')
    assert.deepEqual(tree(root), [])
    assert.ok(fs.existsSync(root), 'the root stays')
  })

  test('a failed upload leaves no temporary file behind', async () => {
    await store.put('up/file', Buffer.from('old'))
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(64 * 1024, 1))
        this.destroy(new Error('gone'))
      },
    })
    await assert.rejects(store.put('up/file', failing), /gone/)
    assert.deepEqual(tree(root), ['up', 'up/file'])
    assert.equal(fs.readFileSync(path.join(root, 'up/file'), 'utf8'), 'old')
    await store.delete('up/file')
  })

  test('files being uploaded are never listed, and their names are not keys', async () => {
    fs.mkdirSync(path.join(root, 'busy'), { recursive: true })
    fs.writeFileSync(path.join(root, 'busy', `${TEMP_PREFIX}abc`), 'partial')
    await store.put('busy/done', Buffer.from('d'))
    assert.deepEqual((await store.listPage('busy/')).items.map((x) => x.key), ['busy/done'])
    await assert.rejects(store.put(`busy/${TEMP_PREFIX}abc`, Buffer.from('x')), BlobKeyError)
    await assert.rejects(store.get(`busy/${TEMP_PREFIX}abc`), BlobKeyError)
    fs.rmSync(path.join(root, 'busy'), { recursive: true })
  })

  test('names on disk that no key can reach are skipped by listings', async () => {
    fs.mkdirSync(path.join(root, 'odd'), { recursive: true })
    fs.writeFileSync(path.join(root, 'odd', 'back\\slash'), 'x')
    fs.writeFileSync(path.join(root, 'odd', '%2e%2e'), 'x')
    await store.put('odd/fine', Buffer.from('f'))
    assert.deepEqual((await store.listPage('odd/')).items.map((x) => x.key), ['odd/fine'])
    fs.rmSync(path.join(root, 'odd'), { recursive: true })
  })

  test('an object and a folder cannot share a name: BlobKeyError, nothing changed', async () => {
    await store.put('c/file', Buffer.from('f'))
    await assert.rejects(store.put('c/file/below', Buffer.from('x')), BlobKeyError)
    await assert.rejects(store.put('c', Buffer.from('x')), BlobKeyError)
    assert.deepEqual(tree(root), ['c', 'c/file'])
    await store.delete('c/file')
  })

  test('etag is mtime, size and inode; stat of a folder is not found', async () => {
    await store.put('e/f', Buffer.from('abc'))
    const st = await store.stat('e/f')
    const disk = fs.statSync(path.join(root, 'e/f'), { bigint: true })
    assert.equal(st.etag, `${disk.mtimeNs.toString(16)}-3-${disk.ino.toString(16)}`)
    assert.equal(st.mtime, Number(disk.mtimeMs))
    await assert.rejects(store.stat('e'), BlobNotFoundError)
    await store.delete('e/f')
  })

  test('puts and deletes racing in one folder all succeed', async () => {
    const work: Promise<void>[] = []
    for (let i = 0; i < 40; i++) {
      work.push(store.put(`race/${i}`, Buffer.from(String(i))).then(() => store.delete(`race/${i}`)))
    }
    await Promise.all(work)
    await store.put('race/last', Buffer.from('l'))
    assert.deepEqual(tree(root), ['race', 'race/last'])
    await store.delete('race/last')
  })

  test('a store whose root does not exist yet lists nothing and creates it on first put', async () => {
    const fresh = new LocalBlobStore(path.join(parent, 'later', 'root'))
    assert.deepEqual(await fresh.listPage(''), { items: [] })
    assert.equal(await fresh.exists('a'), false)
    await fresh.put('a', Buffer.from('a'))
    assert.ok(fs.existsSync(path.join(parent, 'later', 'root', 'a')))
  })
})
