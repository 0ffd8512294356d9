import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { blake3File } from '@railyard/native-files'
import { contentIdOf } from '@railyard/content-id'
import { hashLargeFile, largeFileHasher, largeFileSettings } from './large-file-hash.js'

describe('hashLargeFile', () => {
  let dir: string
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'large-file-hash-'))
  })
  after(() => fs.rmSync(dir, { recursive: true, force: true }))

  const withFile = async <T>(bytes: Buffer, use: (fd: number) => Promise<T>) => {
    const file = path.join(dir, crypto.randomUUID())
    fs.writeFileSync(file, bytes)
    const fd = fs.openSync(file, 'r')
    try {
      return await use(fd)
    } finally {
      fs.closeSync(fd)
    }
  }
  const withThreads = async <T>(threads: number, fn: () => Promise<T>) => {
    const before = largeFileSettings.threads
    largeFileSettings.threads = threads
    try {
      return await fn()
    } finally {
      largeFileSettings.threads = before
    }
  }

  // Skipped only outside CI on a machine that could not build the addon (no C compiler).
  test('uses the multi-threaded addon by default on this machine', { skip: !blake3File && process.env.CI !== 'true' && 'the addon was not built' }, () => {
    assert.match(largeFileHasher(), /threads \(addon\)$/)
  })

  test('the addon and the one-thread stream give the same id: BLAKE3 of the bytes', async () => {
    const data = crypto.randomBytes(5 * 1024 * 1024 + 4321)
    let progress = 0
    const native = await withFile(data, (fd) => withThreads(2, () => hashLargeFile(fd, data.length, (n) => (progress += n))))
    const streamed = await withFile(data, (fd) => withThreads(0, () => hashLargeFile(fd, data.length)))
    assert.deepEqual(native, { oid: contentIdOf(data, 'blake3'), size: data.length })
    assert.deepEqual(streamed, native)
    assert.equal(progress, data.length)
  })

  test('a file that grew or shrank since it was listed reports the size it has, on both paths', async () => {
    const data = crypto.randomBytes(2 * 1024 * 1024 + 10)
    for (const threads of [2, 0]) {
      const grew = await withFile(data, (fd) => withThreads(threads, () => hashLargeFile(fd, data.length - 10)))
      assert.ok(grew.size > data.length - 10, `threads ${threads}: ${grew.size}`)
      const shrank = await withFile(data, (fd) => withThreads(threads, () => hashLargeFile(fd, data.length + 10)))
      assert.equal(shrank.size, data.length, `threads ${threads}`)
    }
  })
})
