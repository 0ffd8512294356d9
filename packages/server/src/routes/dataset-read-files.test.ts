import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { READ_FILES_CONTENT_TYPE, type ReadFilesFrame } from '@railyard/api'
import { contentIdOf } from '@railyard/content-id'
import { DIALECTS } from '../testing/databases.js'
import { createTestApp, type TestApp } from '../testing/test-app.js'
import { call } from '../testing/http.js'

interface Frame extends ReadFilesFrame {
  bytes?: Buffer
}

/** Splits a readDatasetFiles body into its frames (with their bytes) and the trailer, or throws. */
function parseFrames(body: Buffer): { frames: Frame[]; trailer?: { end: true; files: number } } {
  const frames: Frame[] = []
  let at = 0
  while (at < body.length) {
    const nl = body.indexOf(10, at)
    assert.ok(nl >= 0, 'every header ends with a newline')
    const head = JSON.parse(body.subarray(at, nl).toString('utf8'))
    at = nl + 1
    if (head.end) {
      assert.equal(at, body.length, 'nothing after the trailer')
      return { frames, trailer: head }
    }
    if (head.error) frames.push(head)
    else {
      frames.push({ ...head, bytes: body.subarray(at, at + head.size) })
      at += head.size
    }
  }
  return { frames }
}

function writeFiles(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, ...rel.split('/'))
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, content)
  }
}

// Enough small files for the local datastore's batch read to use its worker threads, two files
// over 1 MiB (BLAKE3 ids, streamed), and paths beyond ASCII.
const FILES: Record<string, string | Buffer> = {
  'big/a.bin': Buffer.alloc((1 << 20) + 1, 7),
  'big/b.bin': Buffer.from(Array.from({ length: 3 << 20 }, (_, i) => (i * 31) & 0xff)),
  'données/été.csv': 'x,y\n1,2\n',
  'données/日本語.txt': 'こんにちは\n',
  'empty.txt': '',
}
for (let i = 0; i < 600; i++) FILES[`many/f${String(i).padStart(4, '0')}.txt`] = `file ${i}\n`.repeat(1 + (i % 5))

const utf8Order = (paths: string[]) => [...paths].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))

for (const dialect of DIALECTS) {
  describe(`readDatasetFiles (${dialect})`, () => {
    let t: TestApp
    let data: string
    const read = (payload: Record<string, unknown>) =>
      t.app.inject({ method: 'POST', url: '/api/2.0/railyard/datasets/versions/files/read', payload, headers: { 'content-type': 'application/json' } })
    const ok = async (method: 'GET' | 'POST', p: string, payload?: Record<string, unknown>) => {
      const res = await call(t.app, method, `/api/2.0/railyard${p}`, payload)
      assert.equal(res.status, 200, `${p}: ${JSON.stringify(res.body)}`)
      return res.body
    }
    const snapshot = async (name: string, pin = false) => (await ok('POST', '/datasets/snapshot', { name, stream: false, pin })).version

    before(async () => {
      t = await createTestApp(dialect)
      data = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-read-files-'))
      writeFiles(data, FILES)
      await ok('POST', '/datastores/create', { name: 'lake', kind: 'local', config: { root: data } })
    })
    after(async () => {
      await t.dispose()
      fs.rmSync(data, { recursive: true, force: true })
    })

    test('every file in path order, verified bytes and ids (SHA-256 small, BLAKE3 large), then the trailer; pinned and unpinned', async () => {
      await ok('POST', '/datasets/create', { name: 'all', datastore: 'lake' })
      await ok('POST', '/datasets/create', { name: 'all-pinned', datastore: 'lake' })
      const loose = await snapshot('all')
      const pinned = await snapshot('all-pinned', true)
      for (const version of [loose, pinned]) {
        const res = await read({ name: version === loose ? 'all' : 'all-pinned', version: version.id })
        assert.equal(res.statusCode, 200)
        assert.equal(res.headers['content-type'], READ_FILES_CONTENT_TYPE)
        const { frames, trailer } = parseFrames(res.rawPayload)
        assert.deepEqual(trailer, { end: true, files: Object.keys(FILES).length })
        assert.deepEqual(frames.map((f) => f.path), utf8Order(Object.keys(FILES)))
        for (const f of frames) {
          assert.equal(f.error, undefined, f.path)
          assert.deepEqual(f.bytes, Buffer.from(FILES[f.path]), f.path)
          assert.equal(f.oid, contentIdOf(f.bytes!), f.path)
        }
        assert.match(frames.find((f) => f.path === 'big/b.bin')!.oid!, /^blake3:/)
        assert.match(frames.find((f) => f.path === 'empty.txt')!.oid!, /^sha256:/)
      }
    })

    test('prefix, after (resume) and named paths: sorted, once each, unknown paths refused by name', async () => {
      await ok('POST', '/datasets/create', { name: 'sel', datastore: 'lake' })
      const v = await snapshot('sel')
      const paths = (body: Buffer) => parseFrames(body).frames.map((f) => f.path)

      const prefixed = await read({ name: 'sel', version: v.id, prefix: 'données/' })
      assert.deepEqual(paths(prefixed.rawPayload), utf8Order(['données/été.csv', 'données/日本語.txt']))
      const resumed = await read({ name: 'sel', version: v.id, prefix: 'many/', after: 'many/f0597.txt' })
      assert.deepEqual(paths(resumed.rawPayload), ['many/f0598.txt', 'many/f0599.txt'])
      const afterAll = parseFrames((await read({ name: 'sel', version: v.id, after: 'zzz' })).rawPayload)
      assert.deepEqual(afterAll, { frames: [], trailer: { end: true, files: 0 } })

      const named = await read({ name: 'sel', version: v.id, paths: ['many/f0500.txt', 'big/b.bin', 'nope.txt', 'many/f0002.txt', 'big/b.bin', 'données/日本語.txt'] })
      const { frames, trailer } = parseFrames(named.rawPayload)
      assert.deepEqual(frames.map((f) => f.path), ['big/b.bin', 'données/日本語.txt', 'many/f0002.txt', 'many/f0500.txt', 'nope.txt'])
      assert.deepEqual(trailer, { end: true, files: 5 })
      assert.deepEqual(frames[2].bytes, Buffer.from(FILES['many/f0002.txt']))
      assert.equal(frames[4].error?.error_code, 'RESOURCE_DOES_NOT_EXIST')
      assert.match(frames[4].error!.message, /'nope\.txt'/)
      const namedAfter = await read({ name: 'sel', version: v.id, paths: ['many/f0002.txt', 'many/f0500.txt'], after: 'many/f0002.txt' })
      assert.deepEqual(paths(namedAfter.rawPayload), ['many/f0500.txt'])
    })

    test('files changed after an unpinned snapshot are refused by name while the others are sent; the pinned version still sends them', async () => {
      const root = path.join(data, 'tamper')
      const big = Buffer.alloc(2 << 20, 1)
      writeFiles(root, { 'a.txt': 'same size', 'b.txt': 'vanishes', 'c.txt': 'grows', 'd.txt': 'intact', 'e.bin': big, 'f.bin': big })
      await ok('POST', '/datasets/create', { name: 'tamper', datastore: 'lake', path: 'tamper' })
      await ok('POST', '/datasets/create', { name: 'tamper-pinned', datastore: 'lake', path: 'tamper' })
      const loose = await snapshot('tamper')
      const pinned = await snapshot('tamper-pinned', true)

      const changedBig = Buffer.from(big)
      changedBig[changedBig.length - 1] = 2
      writeFiles(root, { 'a.txt': 'SAME SIZE', 'c.txt': 'grows longer', 'e.bin': changedBig })
      fs.rmSync(path.join(root, 'b.txt'))
      fs.truncateSync(path.join(root, 'f.bin'), 1000)

      const { frames, trailer } = parseFrames((await read({ name: 'tamper', version: loose.id })).rawPayload)
      assert.deepEqual(trailer, { end: true, files: 6 }, 'a voided file is counted once')
      const byPath = (p: string) => frames.filter((f) => f.path === p)
      assert.match(byPath('a.txt')[0].error!.message, /a\.txt \(content changed\)/)
      assert.match(byPath('b.txt')[0].error!.message, /b\.txt \(missing\)/)
      assert.match(byPath('c.txt')[0].error!.message, /c\.txt \(size 5 → 12\)/)
      for (const p of ['a.txt', 'b.txt', 'c.txt']) {
        assert.equal(byPath(p).length, 1)
        assert.equal(byPath(p)[0].error!.error_code, 'RESOURCE_CONFLICT')
        assert.equal(byPath(p)[0].bytes, undefined)
      }
      assert.deepEqual(byPath('d.txt')[0].bytes, Buffer.from('intact'))
      // Same size, so its bytes went out before the hash could tell: padded, then voided.
      const [sent, voided] = byPath('e.bin')
      assert.equal(sent.bytes!.length, big.length)
      assert.notEqual(contentIdOf(sent.bytes!), sent.oid, 'the padded bytes do not pass a check either')
      assert.match(voided.error!.message, /e\.bin \(content changed\)/)
      assert.match(byPath('f.bin')[0].error!.message, /f\.bin \(size 2097152 → 1000\)/)

      const fromPin = parseFrames((await read({ name: 'tamper-pinned', version: pinned.id })).rawPayload)
      assert.deepEqual(fromPin.frames.map((f) => [f.path, f.error]), ['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.bin', 'f.bin'].map((p) => [p, undefined]))
      assert.deepEqual(fromPin.frames[0].bytes, Buffer.from('same size'))
      assert.deepEqual(fromPin.frames[4].bytes, big)
    })

    test('errors before the first byte are JSON: unknown version or dataset, too many paths, bad input', async () => {
      const unknown = await call(t.app, 'POST', '/api/2.0/railyard/datasets/versions/files/read', { name: 'all', version: 'deadbeefdeadbeef' })
      assert.equal(unknown.status, 404)
      assert.equal(unknown.body.error_code, 'RESOURCE_DOES_NOT_EXIST')
      const noDataset = await call(t.app, 'POST', '/api/2.0/railyard/datasets/versions/files/read', { name: 'nope', version: 'latest' })
      assert.equal(noDataset.status, 404)
      const tooMany = await call(t.app, 'POST', '/api/2.0/railyard/datasets/versions/files/read', {
        name: 'all',
        version: 'latest',
        paths: Array.from({ length: 10001 }, (_, i) => `p${i}`),
      })
      assert.equal(tooMany.status, 400)
      assert.match(tooMany.body.message, /At most 10000 paths/)
      const bad = await call(t.app, 'POST', '/api/2.0/railyard/datasets/versions/files/read', { name: 'all', version: 'latest', paths: 'one.txt' })
      assert.equal(bad.status, 400)
      assert.equal(bad.body.error_code, 'INVALID_PARAMETER_VALUE')
    })
  })
}
