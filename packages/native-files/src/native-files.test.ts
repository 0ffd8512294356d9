import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { contentIdOf } from '@railyard/content-id'
import { blake3File, statFiles, unavailableBecause } from './index.js'

// In CI the addon must be there: a run without it would hide a broken build behind Node's own
// calls, so there its absence fails. On a machine without a C compiler the suite is skipped,
// saying why.
const skip = unavailableBecause !== undefined && process.env.CI !== 'true' ? `the addon was not built: ${unavailableBecause}` : false

describe('native file helpers (addon): blake3File, statFiles', { skip }, () => {
  let dir: string
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'native-files-'))
  })
  after(() => fs.rmSync(dir, { recursive: true, force: true }))

  const fileOf = (bytes: Buffer) => {
    const file = path.join(dir, crypto.randomUUID())
    fs.writeFileSync(file, bytes)
    return file
  }
  const withFd = async <T>(file: string, use: (fd: number) => Promise<T>) => {
    const fd = fs.openSync(file, 'r')
    try {
      return await use(fd)
    } finally {
      fs.closeSync(fd)
    }
  }
  const expected = (bytes: Buffer) => contentIdOf(bytes, 'blake3').slice('blake3:'.length)

  test('is built and loads', () => {
    assert.equal(unavailableBecause, undefined)
    assert.equal(typeof blake3File, 'function')
  })

  test('gives the BLAKE3 hash b3sum gives, for every tree shape around block, chunk and power-of-two edges', async () => {
    const data = crypto.randomBytes(300 * 1024 + 7)
    const file = fileOf(data)
    // Small blocks make many-block trees out of small files: 1 KiB blocks are single chunks.
    const sizes = [0, 1, 1023, 1024, 1025, 2048, 3072, 4095, 4096, 4097, 8191, 65536, 65537, 131072 + 1024, 200_000, data.length]
    for (const blockBytes of [1024, 2048, 4096, 65536, 256 * 1024]) {
      for (const threads of [1, 2, 3]) {
        for (const size of sizes) {
          const got = await withFd(file, (fd) => blake3File!(fd, size, { threads, blockBytes }))
          // Hashing a prefix of a longer file: the extra byte past `size` is reported as growth.
          if (size < data.length) assert.equal(got.bytes, size + 1, `size ${size}`)
          else assert.equal(got.hex, expected(data), `whole file, block ${blockBytes}, threads ${threads}`)
          const prefix = fileOf(data.subarray(0, size))
          const exact = await withFd(prefix, (fd) => blake3File!(fd, size, { threads, blockBytes }))
          assert.deepEqual(exact, { hex: expected(data.subarray(0, size)), bytes: size }, `size ${size}, block ${blockBytes}, threads ${threads}`)
          fs.rmSync(prefix)
        }
      }
    }
  })

  test('a 9 MiB file with the default block size and threads, progress adding up to its size', async () => {
    const data = crypto.randomBytes(9 * 1024 * 1024 + 333)
    const file = fileOf(data)
    let seen = 0
    const got = await withFd(file, (fd) => blake3File!(fd, data.length, { onBytes: (n) => (seen += n), progressMs: 1 }))
    assert.deepEqual(got, { hex: expected(data), bytes: data.length })
    assert.equal(seen, data.length)
  })

  test('a file shorter than expected reports where it ended', async () => {
    const data = crypto.randomBytes(64 * 1024 + 100)
    const file = fileOf(data)
    const got = await withFd(file, (fd) => blake3File!(fd, data.length + 5000, { threads: 2, blockBytes: 4096 }))
    assert.equal(got.bytes, data.length)
  })

  describe('blocks not in the page cache are read with O_DIRECT', () => {
    // A disk-backed folder (os.tmpdir() may be tmpfs, whose pages are always cached): the
    // addon's own build output folder, which is git-ignored.
    const diskDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'build', 'direct-reads-test')
    before(() => fs.mkdirSync(diskDir, { recursive: true }))
    after(() => fs.rmSync(diskDir, { recursive: true, force: true }))

    const coldFile = (bytes: Buffer) => {
      const file = path.join(diskDir, crypto.randomUUID())
      const fd = fs.openSync(file, 'w')
      fs.writeSync(fd, bytes)
      fs.fsyncSync(fd) // dirty pages would stay in the cache
      fs.closeSync(fd)
      dropCache(file)
      return file
    }
    // posix_fadvise(DONTNEED) through GNU dd; fincore (util-linux) counts what is cached.
    const dropCache = (file: string) => execFileSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0'], { stdio: 'ignore' })
    const cachedBytes = (file: string) => Number(execFileSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', file], { encoding: 'utf8' }).trim())

    test('a cold file hashes the same with and without them, and only the cached way fills the cache', async () => {
      const data = crypto.randomBytes(8 * 1024 * 1024 + 1234) // a last block that is not a multiple of 4 KiB
      const file = coldFile(data)
      assert.equal(cachedBytes(file), 0, 'the test file starts out of the cache')
      const direct = await withFd(file, (fd) => blake3File!(fd, data.length, { threads: 2, directReads: true }))
      assert.deepEqual(direct, { hex: expected(data), bytes: data.length })
      // The last block starts on a 4 KiB boundary too, so nothing went through the cache.
      assert.equal(cachedBytes(file), 0, 'direct reads leave the page cache alone')
      const cached = await withFd(file, (fd) => blake3File!(fd, data.length, { threads: 2 }))
      assert.deepEqual(cached, direct)
      assert.ok(cachedBytes(file) >= data.length, 'reads through the cache fill it')
    })

    test('a half-cached file: the cached blocks are copied, the rest read directly', async () => {
      const data = crypto.randomBytes(6 * 1024 * 1024)
      const file = coldFile(data)
      fs.readFileSync(file)
      // Reading a part with nocache drops that part (readahead would not let a plain read stop at half).
      execFileSync('dd', [`if=${file}`, 'iflag=nocache,skip_bytes,count_bytes', 'skip=3145728', 'count=3145728', 'of=/dev/null'], { stdio: 'ignore' })
      const before = cachedBytes(file)
      assert.ok(before >= 3 * 1024 * 1024 && before < data.length, `first half cached (${before} bytes)`)
      const got = await withFd(file, (fd) => blake3File!(fd, data.length, { threads: 3, directReads: true, blockBytes: 1024 * 1024 }))
      assert.deepEqual(got, { hex: expected(data), bytes: data.length })
      assert.equal(cachedBytes(file), before, 'the uncached half was read past the cache')
    })

    test('a cold file that shrank or grew since it was listed is reported as with cached reads', async () => {
      const data = crypto.randomBytes(5 * 1024 * 1024 + 10)
      const file = coldFile(data)
      const shrank = await withFd(file, (fd) => blake3File!(fd, data.length + 5000, { threads: 2, directReads: true }))
      assert.equal(shrank.bytes, data.length)
      dropCache(file)
      const grew = await withFd(file, (fd) => blake3File!(fd, data.length - 4096 - 7, { threads: 2, directReads: true }))
      assert.equal(grew.bytes, data.length - 4096 - 7 + 1)
      dropCache(file)
      const prefix = await withFd(file, (fd) => blake3File!(fd, 4 * 1024 * 1024, { threads: 2, directReads: true }))
      assert.equal(prefix.bytes, 4 * 1024 * 1024 + 1, 'a block-aligned prefix of a longer file')
    })
  })

  test('bad arguments and a closed descriptor are errors, not crashes', async () => {
    await assert.rejects(async () => blake3File!(-1, 10), /file descriptor/)
    await assert.rejects(async () => blake3File!(0, 10, { blockBytes: 3000 }), /power of two/)
    await assert.rejects(async () => blake3File!(0, 10, { threads: 0 }), /threads/)
    const fd = fs.openSync(fileOf(Buffer.alloc(10)), 'r')
    fs.closeSync(fd)
    await assert.rejects(blake3File!(fd, 100_000, { blockBytes: 4096 }), (err: NodeJS.ErrnoException) => err.code === 'EHASHREAD' && /bad file descriptor/i.test(err.message))
  })

  test('statFiles gives the markers fs.lstat gives, including times before 1970 and past 2262, and skips what is not a file', () => {
    const folder = fs.mkdtempSync(path.join(dir, 'stat-'))
    const write = (name: string, bytes = 'x') => fs.writeFileSync(path.join(folder, name), bytes)
    write('plain', 'hello')
    write('old')
    fs.utimesSync(path.join(folder, 'old'), new Date('1960-03-01T12:00:00.123Z'), new Date('1960-03-01T12:00:00.123Z'))
    write('future')
    // Past 2262 a time in nanoseconds no longer fits 64 bits.
    fs.utimesSync(path.join(folder, 'future'), new Date('2400-01-01T00:00:00Z'), new Date('2400-01-01T00:00:00Z'))
    write('empty', '')
    fs.symlinkSync(path.join(folder, 'plain'), path.join(folder, 'link'))
    fs.mkdirSync(path.join(folder, 'sub'))
    const names = ['plain', 'old', 'future', 'empty', 'link', 'sub', 'missing', 'plain/below']
    const got = statFiles!(`${folder}/`, names)
    // fs.lstatSync throws ENOTDIR even with throwIfNoEntry off; a listing takes it as gone.
    const lstat = (file: string) => (fs.existsSync(file) ? fs.lstatSync(file, { bigint: true }) : undefined)
    const expected = names.map((name) => {
      const st = lstat(path.join(folder, name))
      return st?.isFile() ? `${st.mtimeNs.toString(16)}-${st.size.toString(16)}-${st.ino.toString(16)}` : ''
    })
    assert.ok(expected[1].startsWith('-') && BigInt(`0x${expected[2].split('-')[0]}`) > 2n ** 63n, 'the times set are the edge cases meant')
    assert.deepEqual(got.markers, expected)
    assert.deepEqual(got.isFile, [true, true, true, true, false, false, false, false])
    assert.deepEqual([...got.sizes.slice(0, 4)], [5, 1, 1, 0])
    assert.deepEqual(statFiles!(`${folder}/`, []), { isFile: [], sizes: new Float64Array(0), markers: [] })
  })

  test('statFiles throws what fs would throw for errors other than a missing file', () => {
    assert.throws(() => statFiles!(`${dir}/`, ['ok', 'x'.repeat(300)]), (err: NodeJS.ErrnoException) => err.code === 'ENAMETOOLONG' && err.path!.endsWith('x'.repeat(300)))
  })
})
