// Content ids of large local files. BLAKE3 files go to the @railyard/native-files addon, which
// reads and hashes one file on every core (BLAKE3's tree lets a file's parts be hashed apart),
// optionally reading the parts that are not in the page cache with O_DIRECT;
// where the addon was not built, or for an algorithm it does not do, the file streams through
// one hasher while the thread pool reads the next chunk.
import fs from 'node:fs'
import os from 'node:os'
import { blake3File } from '@railyard/native-files'
import { algorithmForSize, contentHasher } from '@railyard/content-id'
import { threadSetting } from './thread-setting.js'

// BLAKE3 hashes 4 MiB chunks with its widest SIMD path; 256 KiB chunks were half as fast and
// 8 MiB no faster (measured here, single-threaded).
const STREAM_CHUNK = 4 * 1024 * 1024

export const largeFileSettings = {
  /** Threads hashing one large file in the addon; 0 turns the addon off. Default: one per core. */
  threads: threadSetting(process.env.RAILYARD_LARGE_FILE_THREADS, Math.min(64, os.availableParallelism())),
  /** When the addon reads a file's uncached parts straight from the disk (O_DIRECT): RAILYARD_LARGE_FILE_DIRECT. */
  directReads: directReadSetting(process.env.RAILYARD_LARGE_FILE_DIRECT),
}

/**
 * `auto` (the default) reads files larger than a quarter of the machine's memory directly, as
 * PostgreSQL keeps a large table's scan out of its shared buffers: such a file would push the rest
 * of the cache out and not stay there itself, while a smaller one is likely read again soon (by
 * training on the version just taken) and is better left in the cache. `1` reads every large file
 * directly, `0` none.
 */
export type DirectReads = 'auto' | 'always' | 'never'

function directReadSetting(setting: string | undefined): DirectReads {
  if (setting === '1') return 'always'
  if (setting === '0') return 'never'
  return 'auto'
}

/** Whether the addon reads a file of `size` bytes directly, under the current setting. */
export function readsDirectly(size: number): boolean {
  if (largeFileSettings.directReads === 'auto') return size > os.totalmem() / 4
  return largeFileSettings.directReads === 'always'
}

/** Which path hashes large BLAKE3 files in this process, for logs and benchmarks. */
export function largeFileHasher(): string {
  if (!blake3File) return 'one thread (the multi-threaded addon is not built)'
  if (largeFileSettings.threads === 0) return 'one thread (RAILYARD_LARGE_FILE_THREADS=0)'
  const direct = { auto: ', direct reads of files over a quarter of memory', always: ', direct reads', never: '' }[largeFileSettings.directReads]
  return `${largeFileSettings.threads} threads (addon${direct})`
}

/**
 * The content id of the open file `fd`, expected to hold `expectedSize` bytes, and the bytes it
 * really had (a file that changed size since it was listed is the caller's error to raise).
 */
export async function hashLargeFile(fd: number, expectedSize: number, onBytes?: (n: number) => void): Promise<{ oid: string; size: number }> {
  const algorithm = algorithmForSize(expectedSize)
  if (algorithm === 'blake3' && blake3File && largeFileSettings.threads > 0) {
    const { hex, bytes } = await blake3File(fd, expectedSize, { threads: largeFileSettings.threads, directReads: readsDirectly(expectedSize), onBytes })
    return { oid: `blake3:${hex}`, size: bytes }
  }
  return streamHash(fd, expectedSize, onBytes)
}

async function streamHash(fd: number, expectedSize: number, onBytes?: (n: number) => void): Promise<{ oid: string; size: number }> {
  const read = (buf: Buffer, position: number) =>
    new Promise<number>((resolve, reject) => fs.read(fd, buf, 0, buf.length, position, (err, n) => (err ? reject(err) : resolve(n))))
  const hash = contentHasher(algorithmForSize(expectedSize))
  const buffers = [Buffer.allocUnsafe(STREAM_CHUNK), Buffer.allocUnsafe(STREAM_CHUNK)]
  let which = 0
  let position = 0
  let pending: Promise<number> | undefined = read(buffers[0], 0)
  try {
    for (;;) {
      const bytesRead = await pending
      if (bytesRead === 0) break
      const current = buffers[which]
      position += bytesRead
      which ^= 1
      pending = read(buffers[which], position)
      hash.update(current.subarray(0, bytesRead))
      onBytes?.(bytesRead)
    }
    pending = undefined
    return { oid: hash.id(), size: position }
  } finally {
    // A read still in flight (after an error) must finish before the caller closes the descriptor.
    await pending?.catch(() => {})
  }
}
