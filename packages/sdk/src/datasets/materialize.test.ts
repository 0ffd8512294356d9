import { after, afterEach, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { ApiError, InvalidParameterError } from '@railyard/api'
import type { RailyardClient } from '../client.js'
import { ConnectionError } from '../http.js'
import { startLocalLake, type LocalLake } from '../testing/local-lake.js'
import type { MaterializeProgress } from './materialize.js'

const BULK = '/datasets/versions/files/read'
const ONE = '/datasets/versions/file'

// Small files (SHA-256 ids), two over 1 MiB (BLAKE3 ids, streamed to disk), paths beyond ASCII.
const FILES: Record<string, Buffer> = {
  'big/large.bin': Buffer.from(Array.from({ length: (2 << 20) + 3 }, (_, i) => (i * 13) & 0xff)),
  'big/just-over.bin': Buffer.alloc((1 << 20) + 1, 9),
  'données/été.csv': Buffer.from('x,y\n1,2\n'),
  'données/日本語.txt': Buffer.from('こんにちは\n'),
  'empty.txt': Buffer.alloc(0),
}
for (let i = 0; i < 300; i++) FILES[`many/f${String(i).padStart(3, '0')}.txt`] = Buffer.from(`small file ${i}\n`.repeat(1 + (i % 7)))
const TOTAL = Object.values(FILES).reduce((n, b) => n + b.length, 0)

/** Every file below `dir` by relative path (temporary `.part` files included, so leftovers show). */
function readTree(dir: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {}
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out[path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/')] = fs.readFileSync(path.join(entry.parentPath, entry.name))
  }
  return out
}

/** Where `content` starts in a framed body (after its header line). */
function offsetOf(body: Buffer, filePath: string): number {
  const header = body.indexOf(Buffer.from(`{"path":${JSON.stringify(filePath)},`))
  assert.ok(header >= 0, filePath)
  return body.indexOf(10, header) + 1
}

// The SDK's side of the bulk read (resuming, checking, writing, falling back); the server's
// dialect plays no part, so SQLite only.
describe('materialize through the bulk file stream', () => {
  let fixture: LocalLake
  let proxy: LocalLake['proxy']
  let client: RailyardClient
  let lake: string
  let scratch: string
  let loose: string
  let pinned: string

  before(async () => {
    fixture = await startLocalLake(FILES)
    ;({ proxy, client, lake, scratch } = fixture)
    await client.datasets.create({ name: 'loose', datastore: 'lake' })
    await client.datasets.create({ name: 'pinned', datastore: 'lake' })
    loose = (await client.datasets.snapshot('loose')).version.id
    pinned = (await client.datasets.snapshot('pinned', { pin: true })).version.id
  })
  afterEach(() => {
    proxy.rewrites.clear()
    proxy.answers.clear()
  })
  after(() => fixture.close())

  test('one request for all files, pinned and unpinned; a second materialize asks for nothing', async () => {
    for (const [name, id] of [['loose', loose], ['pinned', pinned]]) {
      const dir = path.join(scratch, `all-${name}`)
      const bulkBefore = proxy.count(BULK)
      const oneBefore = proxy.count(ONE)
      const progress: MaterializeProgress[] = []
      const first = await client.datasets.materialize(name, id, dir, { onProgress: (p) => progress.push(p), progressIntervalMs: 0 })
      assert.deepEqual([first.files, first.downloaded, first.skipped, first.bytes], [Object.keys(FILES).length, Object.keys(FILES).length, 0, TOTAL])
      assert.deepEqual(readTree(dir), FILES)
      assert.equal(proxy.count(BULK) - bulkBefore, 1)
      assert.equal(proxy.count(ONE) - oneBefore, 0)
      assert.deepEqual(progress.at(-1), { files_done: first.files, files_total: first.files, bytes_done: TOTAL, bytes_total: TOTAL, files_skipped: 0 })
      assert.ok(progress.length > 2, 'progress while it works, not only at the end')

      const second = await client.datasets.materialize(name, id, dir)
      assert.deepEqual([second.downloaded, second.skipped], [0, first.files])
      assert.equal(proxy.count(BULK) - bulkBefore, 1, 'nothing asked for the second time')
    }
  })

  test('a stream cut mid-file is resumed after the last complete file; a stream that keeps breaking stops with the file named', async () => {
    for (const cutIn of ['big/large.bin', 'many/f150.txt']) {
      let calls = 0
      proxy.rewrites.set(BULK, (body) => (++calls === 1 ? { cutAfter: offsetOf(body, cutIn) + 10 } : body))
      const dir = path.join(scratch, `cut-${cutIn.replace('/', '-')}`)
      const requestsBefore = proxy.requests.length
      const result = await client.datasets.materialize('loose', loose, dir)
      assert.equal(result.downloaded, Object.keys(FILES).length)
      assert.deepEqual(readTree(dir), FILES, 'every file right, no temporary file left')
      assert.equal(calls, 2)
      const [firstAsk, resumed] = proxy.requests.slice(requestsBefore).filter((r) => r.path.endsWith(BULK)).map((r) => JSON.parse(r.body))
      assert.equal(firstAsk.after, undefined)
      const order = Object.keys(FILES).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
      // It goes on after the last file it received whole. That is the file before the cut one,
      // unless the reset connection lost bytes that were still in flight (the kernel may drop what
      // it had not yet handed over), in which case it goes on from an earlier file, never a later one.
      const from = resumed.after === undefined ? 0 : order.indexOf(resumed.after) + 1
      assert.ok(from <= order.indexOf(cutIn), `resumed at ${order[from]}, after the cut one`)
      assert.equal(resumed.paths[0], order[from], 'the paths asked for start right after `after`')
      assert.ok(resumed.paths.includes(cutIn))
    }

    proxy.rewrites.set(BULK, (body) => ({ cutAfter: offsetOf(body, 'many/f010.txt') + 3 }))
    const dir = path.join(scratch, 'cut-always')
    const err = await client.datasets.materialize('loose', loose, dir).catch((e: unknown) => e)
    assert.ok(err instanceof ConnectionError, String(err))
    assert.match(err.message, /broke off 4 times at 'many\/f010\.txt'/)
    assert.ok(fs.existsSync(path.join(dir, 'many', 'f009.txt')), 'files before the break were written')
    assert.deepEqual(Object.keys(readTree(dir)).filter((f) => f.endsWith('.part')), [])
  })

  test('bytes altered in transit are refused and named; the other files are written', async () => {
    proxy.rewrites.set(BULK, (body) => {
      const copy = Buffer.from(body)
      copy[offsetOf(body, 'many/f007.txt')] ^= 0x20
      copy[offsetOf(body, 'big/large.bin') + 5000] ^= 0x01
      return copy
    })
    const dir = path.join(scratch, 'altered')
    const err = await client.datasets.materialize('pinned', pinned, dir).catch((e: unknown) => e)
    assert.ok(err instanceof ApiError && err.code === 'RESOURCE_CONFLICT', String(err))
    assert.match(err.message, /^2 file\(s\) of version/)
    assert.match(err.message, /many\/f007\.txt: .*hash to sha256:/)
    assert.match(err.message, /big\/large\.bin: .*hash to blake3:[0-9a-f]{64}, the version recorded blake3:/)
    const written = readTree(dir)
    assert.equal(written['many/f007.txt'], undefined)
    assert.equal(written['big/large.bin'], undefined)
    assert.equal(Object.keys(written).length, Object.keys(FILES).length - 2, 'the others, and no temporary files')
    assert.deepEqual(written['many/f008.txt'], FILES['many/f008.txt'])
  })

  test('a server without the bulk endpoint: one request per file, same result', async () => {
    proxy.answers.set(BULK, { status: 404, body: { error_code: 'ENDPOINT_NOT_FOUND', message: 'No endpoint POST /api/2.0/railyard/datasets/versions/files/read' } })
    const dir = path.join(scratch, 'old-server')
    const oneBefore = proxy.count(ONE)
    const bulkBefore = proxy.count(BULK)
    const result = await client.datasets.materialize('loose', loose, dir, { concurrency: 4 })
    assert.equal(result.downloaded, Object.keys(FILES).length)
    assert.deepEqual(readTree(dir), FILES)
    assert.equal(proxy.count(ONE) - oneBefore, Object.keys(FILES).length)
    assert.equal(proxy.count(BULK) - bulkBefore, 1, 'asked once, then never again')
  })

  test('a target that is a file, or below one, is refused in plain words before anything is written', async () => {
    const afile = path.join(scratch, 'afile')
    fs.writeFileSync(afile, 'not a folder\n')
    const into = await client.datasets.materialize('pinned', pinned, afile).catch((e: unknown) => e)
    assert.ok(into instanceof InvalidParameterError, String(into))
    assert.equal(into.message, `Cannot materialize into '${afile}': it is a file, not a folder`)
    const below = await client.datasets.materialize('pinned', pinned, path.join(afile, 'sub', 'deeper')).catch((e: unknown) => e)
    assert.ok(below instanceof InvalidParameterError, String(below))
    assert.equal(below.message, `Cannot materialize into '${path.join(afile, 'sub', 'deeper')}': '${afile}' is a file, not a folder`)
    assert.equal(fs.readFileSync(afile, 'utf8'), 'not a folder\n', 'the file is left alone')
  })

  test('folders and files in the way do not stop the others; each blocked file is named, no temporary file remains', async () => {
    // Folders where small files go (one empty, one not), one where a large file goes, and a file
    // where a folder goes; through the stream and one request per file.
    const blocked = ['big/large.bin', 'données/été.csv', 'données/日本語.txt', 'empty.txt', 'many/f100.txt']
    for (const bulkRead of [true, false]) {
      if (!bulkRead) proxy.answers.set(BULK, { status: 404, body: { error_code: 'ENDPOINT_NOT_FOUND', message: 'No endpoint' } })
      const dir = path.join(scratch, `in-the-way-${bulkRead ? 'stream' : 'each'}`)
      fs.mkdirSync(path.join(dir, 'empty.txt'), { recursive: true })
      fs.mkdirSync(path.join(dir, 'many', 'f100.txt'), { recursive: true })
      fs.writeFileSync(path.join(dir, 'many', 'f100.txt', 'kept.txt'), 'mine\n')
      fs.mkdirSync(path.join(dir, 'big', 'large.bin'), { recursive: true })
      fs.writeFileSync(path.join(dir, 'données'), 'a file, not a folder\n')

      const err = await client.datasets.materialize('pinned', pinned, dir, { concurrency: 4 }).catch((e: unknown) => e)
      assert.ok(err instanceof ApiError && err.code === 'RESOURCE_CONFLICT', String(err))
      assert.match(err.message, new RegExp(`^5 file\\(s\\) of version ${pinned} could not be materialized; the others were written:\n`))
      for (const p of ['big/large.bin', 'empty.txt', 'many/f100.txt']) {
        assert.ok(err.message.includes(`\n  ${p}: a folder is in the way: '${path.join(dir, p)}' is a folder, not a file`), `${p} in:\n${err.message}`)
      }
      for (const p of ['données/été.csv', 'données/日本語.txt']) {
        assert.ok(err.message.includes(`\n  ${p}: a file is in the way: '${path.join(dir, 'données')}' is a file, not a folder`), `${p} in:\n${err.message}`)
      }
      const written = readTree(dir)
      const others = Object.fromEntries(Object.entries(FILES).filter(([p]) => !blocked.includes(p)))
      assert.deepEqual(written, { ...others, 'many/f100.txt/kept.txt': Buffer.from('mine\n'), données: Buffer.from('a file, not a folder\n') }, 'every other file, the obstacles untouched, no .part file')

      // Once the obstacles are gone, the same call finishes the job and downloads only what was missing.
      for (const p of ['empty.txt', 'many/f100.txt', 'big/large.bin', 'données']) fs.rmSync(path.join(dir, p), { recursive: true })
      const again = await client.datasets.materialize('pinned', pinned, dir)
      assert.deepEqual([again.downloaded, again.skipped], [blocked.length, Object.keys(FILES).length - blocked.length])
      assert.deepEqual(readTree(dir), FILES)
      proxy.answers.clear()
    }
  })

  // Last: it changes the datastore under the unpinned version.
  test('files changed after an unpinned snapshot are named at the end while the others are written; the pinned version has them all', async () => {
    const changed = Buffer.from(FILES['big/large.bin'])
    changed[changed.length - 1] ^= 0xff
    fs.writeFileSync(path.join(lake, 'big/large.bin'), changed)
    fs.writeFileSync(path.join(lake, 'many/f003.txt'), Buffer.from(FILES['many/f003.txt']).fill(0x41))
    fs.rmSync(path.join(lake, 'données/été.csv'))

    const dir = path.join(scratch, 'changed')
    const err = await client.datasets.materialize('loose', loose, dir).catch((e: unknown) => e)
    assert.ok(err instanceof ApiError && err.code === 'RESOURCE_CONFLICT', String(err))
    assert.match(err.message, /^3 file\(s\) of version .* could not be materialized; the others were written/)
    assert.match(err.message, /big\/large\.bin: .*big\/large\.bin \(content changed\)/)
    assert.match(err.message, /many\/f003\.txt: .*many\/f003\.txt \(content changed\)/)
    assert.match(err.message, /données\/été\.csv: .*données\/été\.csv \(missing\)/)
    const written = readTree(dir)
    const intact = Object.fromEntries(Object.entries(FILES).filter(([p]) => !['big/large.bin', 'many/f003.txt', 'données/été.csv'].includes(p)))
    assert.deepEqual(written, intact)

    const fromPin = await client.datasets.materialize('pinned', pinned, path.join(scratch, 'changed-pinned'))
    assert.equal(fromPin.downloaded, Object.keys(FILES).length)
    assert.deepEqual(readTree(path.join(scratch, 'changed-pinned')), FILES)
  })
})
