import nodeCrypto, { type createHash as CreateHash, type hash as OneShotHash } from 'node:crypto'
import nodeFs from 'node:fs'
import type fsModule from 'node:fs'

/** Why a small file has no hash: gone, a different size than listed, or another read error. */
export type SmallFileProblem = { gone: true } | { changed: string } | { message: string; code?: string }

export interface SmallFilesHashed {
  /** Per file: its oid, or why it has none. */
  outcomes: Array<string | SmallFileProblem>
  /** With `keep`: every file's bytes back to back, in order (a failed file takes no room). */
  kept?: Buffer
}

/** What the hasher needs from Node, passed in so the same function runs in a worker's eval'd source. */
export interface HasherDeps {
  fs: typeof fsModule
  createHash: typeof CreateHash
  /** crypto.hash (Node 20.12 and later): a one-shot digest without a Hash object, about a quarter cheaper per small file. */
  hash?: typeof OneShotHash
  /** The read buffer, reused across calls; grown as needed. */
  scratch: { buf: Buffer }
}

/** What hashSmallFiles needs on this thread, with a read buffer of its own. */
export function hasherDeps(): HasherDeps {
  return { fs: nodeFs, createHash: nodeCrypto.createHash, hash: nodeCrypto.hash, scratch: { buf: Buffer.alloc(0) } }
}

/**
 * Reads and hashes small files (`prefix + names[i]`) synchronously, each with one read of size + 1
 * bytes into a reused buffer (so a file that grew since it was listed comes back longer than
 * expected), and refuses to follow a symbolic link that replaced a listed file. It runs both on
 * the main thread and, as its own source text, in hash workers; so it may use only its parameters
 * and globals (Buffer).
 */
export function hashSmallFiles(deps: HasherDeps, prefix: string, names: string[], sizes: ArrayLike<number>, keep: boolean): SmallFilesHashed {
  const { fs, createHash, hash, scratch } = deps
  const flags = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW || 0)
  const outcomes: Array<string | SmallFileProblem> = new Array(names.length)
  let keptBytes = 0
  if (keep) for (let i = 0; i < names.length; i++) keptBytes += sizes[i]
  const kept = keep ? Buffer.allocUnsafeSlow(keptBytes) : undefined
  let keptAt = 0
  for (let i = 0; i < names.length; i++) {
    const size = sizes[i]
    let fd: number
    try {
      fd = fs.openSync(prefix + names[i], flags)
    } catch (err) {
      outcomes[i] = problemOf(err)
      continue
    }
    try {
      if (scratch.buf.length < size + 1) scratch.buf = Buffer.allocUnsafe(Math.max(size + 1, 2 * scratch.buf.length))
      const buf = scratch.buf
      let got = 0
      for (;;) {
        const n = fs.readSync(fd, buf, got, size + 1 - got, got)
        got += n
        // Regular files return short reads only at the end; loop just in case.
        if (n === 0 || got >= size) break
      }
      if (got !== size) {
        outcomes[i] = { changed: `listed with ${size} bytes, now ${got > size ? 'larger' : got}` }
        continue
      }
      const bytes = buf.subarray(0, got)
      outcomes[i] = `sha256:${hash ? hash('sha256', bytes, 'hex') : createHash('sha256').update(bytes).digest('hex')}`
      if (kept) keptAt += buf.copy(kept, keptAt, 0, got)
    } catch (err) {
      outcomes[i] = problemOf(err)
    } finally {
      fs.closeSync(fd)
    }
  }
  return { outcomes, kept }

  function problemOf(err: unknown): SmallFileProblem {
    const { code, message } = err as { code?: string; message?: string }
    return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' ? { gone: true } : { message: String(message), code }
  }
}
