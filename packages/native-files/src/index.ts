// Native helpers for reading datastore files, through the addon built at install (binding.gyp):
// BLAKE3 of one file on several threads, and lstat of many files in one call. Both are undefined
// where the addon could not be built or loaded; callers then use Node's own calls, and
// `unavailableBecause` says why.
import { createRequire } from 'node:module'
import os from 'node:os'
import util from 'node:util'

interface Addon {
  hashFile(fd: number, size: number, threads: number, blockChunks: number, directReads: boolean, progress?: BigUint64Array): Promise<{ hex: string; bytes: number }>
  statFiles(prefix: string, names: string, sizes: Float64Array, codes: Int32Array): string
}

export interface FileHashOptions {
  /** Threads hashing at once; default: one per core. */
  threads?: number
  /**
   * Bytes handed to a thread at a time, a power of two of at least 1 KiB. Default 1 MiB (a core's
   * L2 cache here; 256 KiB to 4 MiB measured alike in memory), or 4 MiB with `directReads` (a
   * direct read of 1 MiB is one small disk request; 4 MiB ones read twice as fast here).
   */
  blockBytes?: number
  /**
   * Read the blocks that are not in the page cache with O_DIRECT, straight from the disk into the
   * threads' buffers (default false): a cold file then costs no copy and no cache pages, and does
   * not push other files out of the cache, but is not in the cache for whoever reads it next.
   * Cached blocks, and file systems without O_DIRECT, are read through the cache either way.
   */
  directReads?: boolean
  /** Called with the bytes hashed since the last call, every `progressMs` while hashing. */
  onBytes?: (n: number) => void
  progressMs?: number
}

export interface FileHash {
  /** Lower-case hex of the 32-byte BLAKE3 hash, as b3sum prints it. */
  hex: string
  /** Bytes the file had: `size` when it still had exactly that many, else fewer or `size + 1`. */
  bytes: number
}

const DEFAULT_BLOCK = 1024 * 1024
const DIRECT_BLOCK = 4 * 1024 * 1024
const CHUNK = 1024

let addon: Addon | undefined
let loadError: string | undefined
try {
  addon = createRequire(import.meta.url)('../build/Release/native_files.node') as Addon
} catch (err) {
  loadError = (err as Error).message.split('\n')[0]
}

/** Why the addon is not in use, or undefined when it is. */
export const unavailableBecause: string | undefined = loadError

/**
 * BLAKE3 of bytes [0, size) of the open file `fd`, read with pread (the caller keeps the
 * descriptor open until this settles). A file that ended early or went on past `size` is
 * reported through `bytes`, not hashed.
 */
export const blake3File: ((fd: number, size: number, options?: FileHashOptions) => Promise<FileHash>) | undefined = addon
  ? async (fd, size, options = {}) => {
      const directReads = options.directReads ?? false
      const blockBytes = options.blockBytes ?? (directReads ? DIRECT_BLOCK : DEFAULT_BLOCK)
      if (blockBytes < CHUNK || (blockBytes & (blockBytes - 1)) !== 0) throw new RangeError(`blockBytes must be a power of two of at least ${CHUNK}`)
      const threads = options.threads ?? os.availableParallelism()
      const onBytes = options.onBytes
      const progress = onBytes ? new BigUint64Array(new SharedArrayBuffer(8)) : undefined
      let reported = 0
      const report = () => {
        const done = Number(Atomics.load(progress!, 0))
        if (done > reported) onBytes!(done - reported)
        reported = done
      }
      const timer = onBytes ? setInterval(report, options.progressMs ?? 100) : undefined
      try {
        return await addon!.hashFile(fd, size, threads, blockBytes / CHUNK, directReads, progress)
      } finally {
        if (timer) {
          clearInterval(timer)
          report()
        }
      }
    }
  : undefined

export interface StattedFiles {
  /** Per name: true for a regular file (a symbolic link is not one); false when it is not one or is gone. */
  isFile: boolean[]
  sizes: Float64Array
  /** Per regular file `${mtimeNs.toString(16)}-${size.toString(16)}-${ino.toString(16)}` of its lstat, as the local datastore's marker; '' otherwise. */
  markers: string[]
}

/**
 * lstat of `prefix + name` for each name, on this thread, in one call: about twice as fast per
 * file as fs.lstatSync with BigInt fields. Errors other than "gone" (ENOENT, ENOTDIR) are thrown
 * as fs would throw them.
 */
export const statFiles: ((prefix: string, names: string[]) => StattedFiles) | undefined = addon
  ? (prefix, names) => {
      const sizes = new Float64Array(names.length)
      const codes = new Int32Array(names.length)
      const markers = names.length ? addon!.statFiles(prefix, names.join('\0'), sizes, codes).split('\n') : []
      const isFile = new Array<boolean>(names.length)
      for (let i = 0; i < names.length; i++) {
        const code = codes[i]
        if (code > 1) {
          const name = util.getSystemErrorName(-code)
          throw Object.assign(new Error(`${name}: lstat '${prefix}${names[i]}'`), { code: name, errno: -code, syscall: 'lstat', path: prefix + names[i] })
        }
        isFile[i] = code === 0
      }
      return { isFile, sizes, markers }
    }
  : undefined
