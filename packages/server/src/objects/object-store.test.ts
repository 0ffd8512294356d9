import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { contentIdOf } from '@railyard/content-id'
import type { BlobStore } from '../blob/blob.js'
import { LocalBlobStore } from '../blob/local.js'
import { MemoryBlobStore } from '../blob/memory.js'
import { ObjectStore } from './object-store.js'
import { InvalidOidError, InvalidTreeError, ObjectCorruptError, ObjectNotFoundError } from './errors.js'
import { diffTrees, serializeTree } from './tree.js'

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of stream) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}

/** Yields `bytes` in small chunks, so streaming paths see many chunks. */
function chunked(bytes: Buffer, size = 4096): Readable {
  const parts: Buffer[] = []
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size))
  return Readable.from(parts)
}

async function keys(blobs: BlobStore, prefix = ''): Promise<string[]> {
  const out: string[] = []
  for await (const s of blobs.list(prefix)) out.push(s.key)
  return out
}

const adapters: Array<[string, () => { blobs: BlobStore; cleanup(): void }]> = [
  ['memory', () => ({ blobs: new MemoryBlobStore(), cleanup() {} })],
  [
    'local',
    () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-objects-'))
      return { blobs: new LocalBlobStore(dir), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) }
    },
  ],
]

for (const [name, make] of adapters) {
  describe(`ObjectStore over ${name} blobs`, () => {
    let blobs: BlobStore
    let cleanup: () => void
    let objects: ObjectStore
    before(() => {
      ;({ blobs, cleanup } = make())
      objects = new ObjectStore(blobs, 'objects/')
    })
    after(() => cleanup())

    test('put(stream) hashes while writing, stores under sha256/ab/cdef…, leaves no temp files', async () => {
      const bytes = randomBytes(300_000)
      const info = await objects.put(chunked(bytes))
      assert.deepEqual(info, { oid: sha(bytes), size: bytes.length })
      const hex = info.oid.slice('sha256:'.length)
      assert.equal(objects.keyOf(info.oid), `objects/sha256/${hex.slice(0, 2)}/${hex.slice(2)}`)
      assert.deepEqual(await keys(blobs, 'objects/'), [objects.keyOf(info.oid)])
      assert.ok(await objects.has(info.oid))
      assert.deepEqual(await objects.stat(info.oid), info)
      assert.ok((await readAll(await objects.get(info.oid))).equals(bytes))
    })

    test('the same content is stored once, from streams, buffers and re-openable sources', async () => {
      const bytes = Buffer.from('same bytes, three ways')
      const a = await objects.put(Readable.from([bytes]))
      const b = await objects.putBuffer(bytes)
      let opened = 0
      const c = await objects.putFrom(async () => {
        opened++
        return Readable.from([bytes])
      })
      assert.equal(a.oid, b.oid)
      assert.equal(b.oid, c.oid)
      // Known content is hashed once and not written again.
      assert.equal(opened, 1)
      assert.equal((await keys(blobs, 'objects/')).filter((k) => k === objects.keyOf(a.oid)).length, 1)
    })

    test('putFrom writes new content on a second read and checks it', async () => {
      const bytes = randomBytes(50_000)
      const info = await objects.putFrom(async () => chunked(bytes))
      assert.equal(info.oid, sha(bytes))
      assert.ok((await readAll(await objects.get(info.oid))).equals(bytes))

      let n = 0
      const changing = async () => Readable.from([Buffer.from(`version ${n++}`)])
      await assert.rejects(objects.putFrom(changing), /changed while it was stored/)
      assert.equal(await objects.has(sha(Buffer.from('version 0'))), false)
    })

    test('the empty object', async () => {
      const info = await objects.put(Readable.from([]))
      assert.deepEqual(info, { oid: sha(Buffer.alloc(0)), size: 0 })
      assert.equal((await readAll(await objects.get(info.oid))).length, 0)
    })

    test('a failing source stores nothing', async () => {
      const before = await keys(blobs)
      const failing = new Readable({
        read() {
          this.push(Buffer.from('partial'))
          this.destroy(new Error('disk on fire'))
        },
      })
      await assert.rejects(objects.put(failing), /disk on fire/)
      assert.deepEqual(await keys(blobs), before)
    })

    test('tampered bytes fail the read, naming the object, before the last chunk', async () => {
      const bytes = randomBytes(200_000)
      const info = await objects.put(chunked(bytes))
      const tampered = Buffer.from(bytes)
      tampered[tampered.length - 1] ^= 0xff
      await blobs.put(objects.keyOf(info.oid), tampered)

      const received: Buffer[] = []
      const stream = await objects.get(info.oid)
      await assert.rejects(
        (async () => {
          for await (const c of stream) received.push(c as Buffer)
        })(),
        (err: unknown) => {
          assert.ok(err instanceof ObjectCorruptError)
          assert.equal(err.oid, info.oid)
          assert.match(err.message, new RegExp(`Object ${info.oid} is corrupt`))
          assert.equal(err.actual, sha(tampered))
          return true
        },
      )
      // The consumer never got a complete-looking copy.
      assert.ok(Buffer.concat(received).length < bytes.length)
      await assert.rejects(objects.getBuffer(info.oid), ObjectCorruptError)
    })

    test('content named by BLAKE3: stored under blake3/, verified on read, apart from its SHA-256 twin', async () => {
      const bytes = randomBytes(300_000)
      const b3 = await objects.put(chunked(bytes), 'blake3')
      assert.equal(b3.oid, contentIdOf(bytes, 'blake3'))
      assert.equal(objects.keyOf(b3.oid), `objects/blake3/${b3.oid.slice(7, 9)}/${b3.oid.slice(9)}`)
      assert.deepEqual(await readAll(await objects.get(b3.oid)), bytes)
      assert.deepEqual(await objects.putBuffer(bytes, 'blake3'), b3)
      assert.deepEqual(await objects.putFrom(async () => chunked(bytes), 'blake3'), b3)
      assert.equal(await objects.has(sha(bytes)), false, 'the SHA-256 name is a different object')

      const tampered = Buffer.from(bytes)
      tampered[0] ^= 1
      await blobs.put(objects.keyOf(b3.oid), tampered)
      await assert.rejects(objects.getBuffer(b3.oid), (err: unknown) => err instanceof ObjectCorruptError && err.actual === contentIdOf(tampered, 'blake3'))
    })

    test('missing and malformed ids', async () => {
      const absent = sha(Buffer.from('never stored'))
      await assert.rejects(objects.get(absent), ObjectNotFoundError)
      await assert.rejects(objects.stat(absent), ObjectNotFoundError)
      assert.equal(await objects.has(absent), false)
      for (const bad of ['', 'sha256:abc', 'md5:' + 'a'.repeat(64), 'blake3:' + 'a'.repeat(63), 'sha256:' + 'A'.repeat(64), 'sha256:../../etc']) {
        await assert.rejects(objects.get(bad), InvalidOidError)
        assert.throws(() => objects.keyOf(bad), InvalidOidError)
      }
    })

    test('trees: canonical, order-independent ids, read back and diffed', async () => {
      const files = { 'MLmodel': Buffer.from('flavors: {}\n'), 'model/weights.bin': randomBytes(1000), 'ä/ü.txt': Buffer.from('unicode') }
      const entries = []
      for (const [p, b] of Object.entries(files)) entries.push({ path: p, ...(await objects.putBuffer(b)) })
      const t1 = await objects.putTree(entries)
      const t2 = await objects.putTree([...entries].reverse())
      assert.equal(t1.oid, t2.oid)
      assert.deepEqual(
        t1.entries.map((e) => e.path),
        ['MLmodel', 'model/weights.bin', 'ä/ü.txt'],
      )
      const stored = (await objects.getBuffer(t1.oid)).toString('utf8')
      assert.ok(stored.startsWith('{"entries":[{"oid":"sha256:'))
      assert.ok(stored.endsWith('],"type":"railyard.tree","version":1}'))
      assert.deepEqual((await objects.getTree(t1.oid)).entries, t1.entries)

      const changed = await objects.putBuffer(Buffer.from('flavors: {onnx: {}}\n'))
      const extra = await objects.putBuffer(Buffer.from('extra'))
      const t3 = await objects.putTree([
        { path: 'MLmodel', ...changed },
        { path: 'model/weights.bin', oid: t1.entries[1].oid, size: t1.entries[1].size },
        { path: 'README', ...extra },
      ])
      const diff = diffTrees(t1.entries, t3.entries)
      assert.deepEqual(diff.added.map((e) => e.path), ['README'])
      assert.deepEqual(diff.removed.map((e) => e.path), ['ä/ü.txt'])
      assert.deepEqual(diff.changed.map((e) => e.path), ['MLmodel'])
      assert.equal(diff.unchanged, 1)
    })

    test('invalid trees are refused', async () => {
      const { oid, size } = await objects.putBuffer(Buffer.from('x'))
      const bad = [
        [{ path: '../escape', oid, size }],
        [{ path: '/abs', oid, size }],
        [{ path: 'a//b', oid, size }],
        [{ path: '', oid, size }],
        [{ path: 'a', oid: 'sha256:nope', size }],
        [{ path: 'a', oid, size: -1 }],
        [{ path: 'a', oid, size }, { path: 'a', oid, size }],
        [{ path: 'a', oid, size }, { path: 'a/b', oid, size }],
      ]
      for (const entries of bad) await assert.rejects(objects.putTree(entries), InvalidTreeError, JSON.stringify(entries))
      // Any stored object that is not a canonical tree is not read as one.
      const notTree = await objects.putBuffer(Buffer.from('{"entries":[],"type":"something.else","version":1}'))
      await assert.rejects(objects.getTree(notTree.oid), InvalidTreeError)
      const spaced = await objects.putBuffer(Buffer.from('{"entries": [], "type": "railyard.tree", "version": 1}'))
      await assert.rejects(objects.getTree(spaced.oid), /canonical/)
      assert.equal(serializeTree([]).bytes.toString(), '{"entries":[],"type":"railyard.tree","version":1}')
    })
  })
}

describe('reusing stored content renews its time (so gc keeps what a new version is about to reference)', () => {
  test('old content is touched on reuse by every writer; recent content is left alone', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-objects-reuse-'))
    try {
      const blobs = new LocalBlobStore(dir)
      const objects = new ObjectStore(blobs, 'objects/')
      const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600_000)
      const age = (oid: string) => fs.utimesSync(path.join(dir, ...objects.keyOf(oid).split('/')), twoDaysAgo, twoDaysAgo)
      const mtime = async (oid: string) => (await blobs.stat(objects.keyOf(oid))).mtime

      const bytes = randomBytes(5000)
      const stored = await objects.putBuffer(bytes)
      const written = await mtime(stored.oid)
      assert.equal((await objects.putBuffer(bytes)).oid, stored.oid)
      assert.equal(await mtime(stored.oid), written, 'a recent object is not touched')

      for (const reuse of [
        () => objects.putBuffer(bytes),
        () => objects.put(chunked(bytes)),
        () => objects.putFrom(async () => chunked(bytes)),
        () => objects.reuseExisting(stored.oid),
      ]) {
        age(stored.oid)
        assert.ok((await mtime(stored.oid)) < Date.now() - 24 * 3600_000)
        await reuse()
        assert.ok((await mtime(stored.oid)) > Date.now() - 60_000, 'reuse renewed the time')
        assert.deepEqual(await objects.getBuffer(stored.oid), bytes)
      }
      assert.equal(await objects.reuseExisting(sha(Buffer.from('never stored'))), false)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
