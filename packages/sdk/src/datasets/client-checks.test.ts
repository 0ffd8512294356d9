import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { ApiError, InvalidParameterError, NotFoundError } from '@railyard/api'
import type { RailyardClient } from '../client.js'
import { startLocalLake, type LocalLake } from '../testing/local-lake.js'
import type { MaterializeProgress } from './materialize.js'
import { localPathOf } from './local-files.js'
import { downloadVerifiedFile } from './verified-file.js'

const FILES: Record<string, string> = {
  'one.txt': 'first file\n',
  'two.txt': 'second file, a little longer\n',
  'sub/three.txt': 'x'.repeat(3 << 20),
}

// These checks are the SDK's own (hashing, atomic writes, paths); the server's dialect plays no
// part, so they run on SQLite only.
describe('client-side checks of dataset reads', () => {
  let fixture: LocalLake
  let proxy: LocalLake['proxy']
  let client: RailyardClient
  let lake: string
  let scratch: string
  let versionId: string

  before(async () => {
    fixture = await startLocalLake(FILES)
    ;({ proxy, client, lake, scratch } = fixture)
    await client.datasets.create({ name: 'docs', datastore: 'lake' })
    versionId = (await client.datasets.snapshot('docs')).version.id
  })
  after(async () => {
    proxy.rewrites.clear()
    await fixture.close()
  })

  test('bytes altered in transit fail the read with RESOURCE_CONFLICT naming the file', async () => {
    proxy.rewrites.set('/datasets/versions/file', (body) => {
      const copy = Buffer.from(body)
      copy[0] ^= 0x20
      return copy
    })
    try {
      const err = await client.datasets.readFile('docs', versionId, 'one.txt').catch((e: unknown) => e)
      assert.ok(err instanceof ApiError && err.code === 'RESOURCE_CONFLICT', String(err))
      assert.match(err.message, /'one\.txt'.*hash to sha256:/)
      // Files over 1 MiB are named by BLAKE3, and checked by it.
      const big = await client.datasets.readFile('docs', versionId, 'sub/three.txt').catch((e: unknown) => e)
      assert.ok(big instanceof ApiError && big.code === 'RESOURCE_CONFLICT', String(big))
      assert.match(big.message, /'sub\/three\.txt'.*hash to blake3:[0-9a-f]{64}, the version recorded blake3:/)
    } finally {
      proxy.rewrites.clear()
    }
  })

  test('a body cut short fails the read, and a download leaves no file behind', async () => {
    proxy.rewrites.set('/datasets/versions/file', () => null)
    try {
      const err = await client.datasets.readFile('docs', versionId, 'sub/three.txt').catch((e: unknown) => e)
      assert.ok(err instanceof ApiError && err.code === 'RESOURCE_CONFLICT', String(err))
      assert.match(err.message, /sub\/three\.txt/)
      const dest = path.join(scratch, 'three.txt')
      await assert.rejects(client.datasets.downloadFile('docs', versionId, 'sub/three.txt', dest), /sub\/three\.txt/)
      assert.deepEqual(fs.readdirSync(scratch), [], 'neither the file nor a temporary file remains')
    } finally {
      proxy.rewrites.clear()
    }
  })

  test('a manifest that does not hash to its version id is refused', async () => {
    proxy.rewrites.set('/datasets/versions/files/stream', (body) => Buffer.from(body.toString().replace('"one.txt"', '"won.txt"')))
    try {
      const seen: string[] = []
      await assert.rejects(
        (async () => {
          for await (const f of client.datasets.files('docs', versionId)) seen.push(f.path)
        })(),
        /corrupted/,
      )
      assert.ok(seen.includes('won.txt'), 'the check covers the whole body, so it comes after the last file')
    } finally {
      proxy.rewrites.clear()
    }
  })

  test('a manifest stream that breaks is reopened where it stopped; a different body on the second read is refused', async () => {
    const streamPath = '/datasets/versions/files/stream'
    let calls = 0
    proxy.rewrites.set(streamPath, (body) => (++calls === 1 ? { cutAfter: body.length - 5 } : body))
    try {
      const paths: string[] = []
      for await (const f of client.datasets.files('docs', versionId)) paths.push(f.path)
      assert.deepEqual(paths, ['one.txt', 'sub/three.txt', 'two.txt'])
      assert.equal(calls, 2)

      calls = 0
      proxy.rewrites.set(streamPath, (body) => (++calls === 1 ? { cutAfter: body.length - 5 } : Buffer.from(body.toString().replace('"one.txt"', '"won.txt"'))))
      const seen: string[] = []
      await assert.rejects(
        (async () => {
          for await (const f of client.datasets.files('docs', versionId)) seen.push(f.path)
        })(),
        /changed between two reads/,
      )
      assert.deepEqual(seen, ['one.txt', 'sub/three.txt'])
    } finally {
      proxy.rewrites.clear()
    }
  })

  test('materialize checks the file list before writing anything; paths that would leave the folder are refused', async () => {
    proxy.rewrites.set('/datasets/versions/files/stream', (body) => Buffer.from(body.toString().replace('"one.txt"', '"../escape.txt"')))
    const dir = path.join(scratch, 'escape', 'inner')
    try {
      await assert.rejects(client.datasets.materialize('docs', versionId, dir), /corrupted/)
      assert.equal(fs.existsSync(path.join(scratch, 'escape')), false, 'nothing written, not even the folder')
    } finally {
      proxy.rewrites.clear()
      fs.rmSync(path.join(scratch, 'escape'), { recursive: true, force: true })
    }
    for (const bad of ['../escape.txt', '/etc/passwd', 'a/../../b', 'a//b', './a', 'C:/x', 'a\\..\\b', '']) {
      assert.throws(() => localPathOf(dir, bad), InvalidParameterError, bad)
    }
    assert.equal(localPathOf(dir, 'sub/ok.txt'), path.join(dir, 'sub', 'ok.txt'))
  })

  test('a file whose announced content differs from the file list is refused', async () => {
    const dest = path.join(scratch, 'two.txt')
    const wrong = `sha256:${'0'.repeat(64)}`
    const err = await downloadVerifiedFile(
      client.transport,
      `/api/2.0/railyard/datasets/versions/file?name=docs&version=${versionId}&path=two.txt`,
      { dataset: 'docs', version: versionId, path: 'two.txt', oid: wrong },
      dest,
    ).catch((e: unknown) => e)
    assert.ok(err instanceof ApiError && err.code === 'RESOURCE_CONFLICT', String(err))
    assert.match(err.message, /file list says sha256:0{64}/)
    assert.equal(fs.existsSync(dest), false)
  })

  test('materialize downloads once, then skips files already present with the same hash and replaces wrong ones', async () => {
    const dir = path.join(scratch, 'docs')
    // All missing files come in one stream; none one by one.
    const reads = () => proxy.count('/datasets/versions/files/read') + proxy.count('/datasets/versions/file')
    const before = reads()
    const progress: MaterializeProgress[] = []
    const first = await client.datasets.materialize('docs', 'latest', dir, { concurrency: 2, onProgress: (p) => progress.push(p) })
    assert.deepEqual(
      { files: first.files, downloaded: first.downloaded, skipped: first.skipped, bytes: first.bytes, versionId: first.versionId },
      { files: 3, downloaded: 3, skipped: 0, bytes: Object.values(FILES).join('').length, versionId },
    )
    assert.equal(reads() - before, 1)
    assert.deepEqual(progress.at(-1), { files_done: 3, files_total: 3, bytes_done: first.bytes, bytes_total: first.bytes, files_skipped: 0 })
    for (const [rel, content] of Object.entries(FILES)) assert.equal(fs.readFileSync(path.join(dir, rel), 'utf8'), content)

    const second = await client.datasets.materialize('docs', versionId, dir)
    assert.equal(second.skipped, 3)
    assert.equal(second.downloaded, 0)
    assert.equal(reads() - before, 1, 'nothing read from the server the second time')

    // Same size, other bytes; and another size: both are replaced, the intact file is not.
    fs.writeFileSync(path.join(dir, 'one.txt'), FILES['one.txt'].toUpperCase())
    fs.writeFileSync(path.join(dir, 'two.txt'), 'short')
    const third = await client.datasets.materialize('docs', versionId, dir)
    assert.deepEqual([third.downloaded, third.skipped], [2, 1])
    assert.deepEqual(JSON.parse(proxy.requests.at(-1)!.body).paths, ['one.txt', 'two.txt'], 'only the missing files are asked for')
    for (const [rel, content] of Object.entries(FILES)) assert.equal(fs.readFileSync(path.join(dir, rel), 'utf8'), content)
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('.part')), [])
  })

  test('a file where a large file\'s folder goes: that file is named, the stream goes on to the files after it', async () => {
    const dir = path.join(scratch, 'sub-is-a-file')
    fs.mkdirSync(dir)
    fs.writeFileSync(path.join(dir, 'sub'), 'mine\n')
    const err = await client.datasets.materialize('docs', versionId, dir).catch((e: unknown) => e)
    assert.ok(err instanceof ApiError && err.code === 'RESOURCE_CONFLICT', String(err))
    assert.equal(err.message, `1 file(s) of version ${versionId} could not be materialized; the others were written:\n  sub/three.txt: a file is in the way: '${path.join(dir, 'sub')}' is a file, not a folder`)
    assert.deepEqual(fs.readdirSync(dir).sort(), ['one.txt', 'sub', 'two.txt'], 'the files before and after it, no temporary file')
    assert.equal(fs.readFileSync(path.join(dir, 'two.txt'), 'utf8'), FILES['two.txt'])
    assert.equal(fs.readFileSync(path.join(dir, 'sub'), 'utf8'), 'mine\n')
  })

  test('unknown names and versions are NotFoundError; a malformed version is InvalidParameterError', async () => {
    await assert.rejects(client.datasets.getVersion('docs', 'deadbeefdeadbeef'), NotFoundError)
    await assert.rejects(client.datasets.getVersion('nope', 'latest'), NotFoundError)
    await assert.rejects(client.datasets.readFile('docs', versionId, 'missing.txt'), NotFoundError)
    await assert.rejects(client.datasets.getVersion('docs', 'xyz'), InvalidParameterError)
    await assert.rejects(client.datasets.materialize('docs', 'deadbeefdeadbeef', path.join(scratch, 'none')), NotFoundError)
  })
})
