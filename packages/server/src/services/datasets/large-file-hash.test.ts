import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { blake3File } from '@railyard/native-files'
import { contentIdOf } from '@railyard/content-id'
import { hashLargeFile, largeFileHasher, largeFileSettings, readsDirectly, type DirectReads } from './large-file-hash.js'

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
  /** Runs `fn` with one of the settings changed, and puts it back. */
  const withSetting = async <K extends keyof typeof largeFileSettings, T>(key: K, value: (typeof largeFileSettings)[K], fn: () => T | Promise<T>) => {
    const before = largeFileSettings[key]
    largeFileSettings[key] = value
    try {
      return await fn()
    } finally {
      largeFileSettings[key] = before
    }
  }
  const withThreads = <T>(threads: number, fn: () => Promise<T>) => withSetting('threads', threads, fn)
  const withDirectReads = <T>(setting: DirectReads, fn: () => T | Promise<T>) => withSetting('directReads', setting, fn)

  // Skipped only outside CI on a machine that could not build the addon (no C compiler).
  test('uses the multi-threaded addon by default on this machine', { skip: !blake3File && process.env.CI !== 'true' && 'the addon was not built' }, () => {
    assert.match(largeFileHasher(), /threads \(addon, direct reads of files over a quarter of memory\)$/)
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

  test('direct reads: by default for files over a quarter of memory only; 1 and 0 force them on and off', async () => {
    const quarter = os.totalmem() / 4
    await withDirectReads('auto', () => assert.deepEqual([readsDirectly(64 << 20), readsDirectly(quarter + 1)], [false, true]))
    await withDirectReads('always', () => assert.deepEqual([readsDirectly(2 << 20), readsDirectly(quarter + 1)], [true, true]))
    await withDirectReads('never', () => assert.deepEqual([readsDirectly(2 << 20), readsDirectly(quarter + 1)], [false, false]))
  })

  test('with direct reads on, a cold file is hashed without passing through the page cache', { skip: !blake3File && process.env.CI !== 'true' && 'the addon was not built' }, async () => {
    // A disk-backed folder (the temporary folder may be tmpfs, whose pages are always cached).
    const diskDir = fs.mkdtempSync(path.join(fileURLToPath(new URL('../../../../../node_modules/', import.meta.url)), '.large-file-hash-'))
    try {
      const data = crypto.randomBytes(12 * 1024 * 1024)
      const file = path.join(diskDir, 'cold.bin')
      const fd = fs.openSync(file, 'w+')
      try {
        fs.writeSync(fd, data)
        fs.fsyncSync(fd)
        const cached = () => Number(execFileSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', file], { encoding: 'utf8' }).trim())
        const drop = () => execFileSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0'], { stdio: 'ignore' })
        drop()
        const direct = await withDirectReads('always', () => withThreads(2, () => hashLargeFile(fd, data.length)))
        assert.deepEqual(direct, { oid: contentIdOf(data, 'blake3'), size: data.length })
        assert.equal(cached(), 0)
        const viaCache = await withDirectReads('auto', () => withThreads(2, () => hashLargeFile(fd, data.length)))
        assert.deepEqual(viaCache, direct)
        assert.equal(cached(), data.length, 'a 12 MiB file is read through the cache under auto')
      } finally {
        fs.closeSync(fd)
      }
    } finally {
      fs.rmSync(diskDir, { recursive: true, force: true })
    }
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
