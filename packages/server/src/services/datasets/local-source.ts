import fs, { type BigIntStats, type Dirent } from 'node:fs'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { statFiles } from '@railyard/native-files'
import { contentIdOf } from '@railyard/content-id'
import { LocalBlobStore, TEMP_PREFIX } from '../../blob/local.js'
import { keyProblem } from '../../blob/keys.js'
import { compareUtf8 } from '../../objects/manifest.js'
import { hashWorkerSettings, hashSmallFilesInWorkers } from './hash-workers.js'
import { hashLargeFile } from './large-file-hash.js'
import { hashSmallFiles, hasherDeps, type HasherDeps, type SmallFilesHashed } from './small-file-hasher.js'
import { limiter } from './limiter.js'
import { FileChangedError, SMALL_FILE, type DataSource, type HashResult, type SourceFile } from './data-source.js'

// Files stat'ed at once while listing; the libuv pool runs 4 at a time, the rest queue cheaply.
const STAT_BATCH = 128
const PAGE = 1000
const LARGE_CONCURRENCY = 2
// Listings skip symbolic links; reads refuse to follow one that replaced a listed file (ELOOP).
const READ_NO_FOLLOW = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0)
// Bytes of small files read synchronously before the event loop gets a turn.
const SYNC_SLICE_BYTES = 1024 * 1024

/**
 * A local folder as a datastore. Its change marker is the one LocalBlobStore reports
 * (`mtimeNs-size-inode` in hex), so a rewrite within one clock tick still changes it.
 */
export class LocalFolderSource implements DataSource {
  readonly blobs: LocalBlobStore
  // hashSmallFiles' read buffer on this thread, reused for every file.
  private readonly hasher: HasherDeps = hasherDeps()
  // Large files hashed at once across hashBatch calls (a snapshot has several batches in flight),
  // each holding two read buffers.
  private readonly largeFiles = limiter(LARGE_CONCURRENCY)

  constructor(readonly root: string) {
    this.blobs = new LocalBlobStore(root)
  }

  async *list(folder: string): AsyncIterable<SourceFile[]> {
    let page: SourceFile[] = []
    for await (const batch of this.walk(folder)) {
      page.push(...batch)
      if (page.length >= PAGE) {
        yield page
        page = []
      }
    }
    if (page.length) yield page
  }

  async stat(key: string): Promise<SourceFile | undefined> {
    const st = await statIfFile(this.pathOf(key))
    return st && { key, size: Number(st.size), marker: markerOf(st) }
  }

  /** The file's bytes; a file replaced by a symbolic link since it was listed is not followed. */
  async open(key: string): Promise<Readable> {
    try {
      const handle = await fs.promises.open(this.pathOf(key), READ_NO_FOLLOW)
      return handle.createReadStream()
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') throw new FileChangedError(key, 'it is gone')
      throw err
    }
  }

  async hash(file: SourceFile, keepBytes: boolean, onBytes?: (n: number) => void): Promise<HashResult> {
    const full = this.pathOf(file.key)
    try {
      if (file.size <= SMALL_FILE) {
        const bytes = await readSmall(full, file.size)
        if (bytes.length !== file.size) throw new FileChangedError(file.key, `listed with ${file.size} bytes, now ${bytes.length > file.size ? 'larger' : bytes.length}`)
        onBytes?.(bytes.length)
        return { oid: contentIdOf(bytes, 'sha256'), bytes: keepBytes ? bytes : undefined }
      }
      const { oid, size } = await hashLarge(full, file.size, onBytes)
      // A file that grew is reported as larger, not with the count read (the addon stops one byte past).
      if (size !== file.size) throw new FileChangedError(file.key, `listed with ${file.size} bytes, now ${size > file.size ? 'larger' : size}`)
      return { oid }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') throw new FileChangedError(file.key, 'it is gone')
      throw err
    }
  }

  /**
   * Hashes many files. Small ones are read with synchronous calls: per small file the thread pool's
   * round trips cost more than the read itself (about 3× slower for 100,000 files of a few KB).
   * Many small files go to the hash workers, which read and hash them on other cores while this
   * thread lists, looks up and writes the manifest; a few are read here, in slices of at most
   * SYNC_SLICE_BYTES with the event loop getting a turn between slices. Large files stream through
   * the asynchronous path, LARGE_CONCURRENCY at a time.
   */
  async hashBatch(files: SourceFile[], keepBytes: boolean, onBytes?: (n: number) => void): Promise<Array<HashResult | Error>> {
    const out: Array<HashResult | Error> = new Array(files.length)
    const large: Array<Promise<void>> = []
    const small: number[] = []
    files.forEach((f, i) => {
      if (f.size <= SMALL_FILE) small.push(i)
      else large.push(this.largeFiles(() => this.hash(f, keepBytes, onBytes)).then((r) => void (out[i] = r), (err: Error) => void (out[i] = err)))
    })
    if (hashWorkerSettings.threads > 0 && small.length >= hashWorkerSettings.minFiles) {
      const hashed = await hashSmallFilesInWorkers(this.prefix, small.map((i) => this.nameOf(files[i].key)), small.map((i) => files[i].size), keepBytes)
      let at = 0
      for (const part of hashed) {
        this.take(part, small.slice(at, at + part.outcomes.length), files, out, onBytes)
        at += part.outcomes.length
      }
    } else {
      let at = 0
      while (at < small.length) {
        await new Promise((resolve) => setImmediate(resolve))
        let budget = SYNC_SLICE_BYTES
        const slice: number[] = []
        for (; at < small.length && budget > 0; at++) {
          slice.push(small[at])
          budget -= files[small[at]].size + 4096
        }
        const part = hashSmallFiles(this.hasher, this.prefix, slice.map((i) => this.nameOf(files[i].key)), slice.map((i) => files[i].size), keepBytes)
        this.take(part, slice, files, out, onBytes)
      }
    }
    await Promise.all(large)
    return out
  }

  close(): void {}

  /** Results of hashSmallFiles for `files[indexes]`, into `out`; kept bytes become one Buffer view per file. */
  private take(part: SmallFilesHashed, indexes: number[], files: SourceFile[], out: Array<HashResult | Error>, onBytes?: (n: number) => void): void {
    let keptAt = 0
    part.outcomes.forEach((outcome, j) => {
      const file = files[indexes[j]]
      if (typeof outcome === 'string') {
        out[indexes[j]] = { oid: outcome, bytes: part.kept?.subarray(keptAt, keptAt + file.size) }
        keptAt += file.size
        onBytes?.(file.size)
      } else if ('gone' in outcome) out[indexes[j]] = new FileChangedError(file.key, 'it is gone')
      else if ('changed' in outcome) out[indexes[j]] = new FileChangedError(file.key, outcome.changed)
      else out[indexes[j]] = Object.assign(new Error(outcome.message), { code: outcome.code })
    })
  }

  /** Files in key order: a folder's entries sorted as their keys sort (`a-c` before `a/b`). */
  private async *walk(folderKey: string): AsyncGenerator<SourceFile[]> {
    let entries: Dirent[]
    try {
      entries = await fs.promises.readdir(this.pathOf(folderKey, true), { withFileTypes: true })
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR') return
      throw err
    }
    const sorted = entries
      .filter((e) => (e.isFile() || e.isDirectory()) && !e.name.startsWith(TEMP_PREFIX) && keyProblem(e.name) === undefined)
      .map((e) => ({ name: e.name, folder: e.isDirectory(), sortKey: e.isDirectory() ? `${e.name}/` : e.name }))
      .sort((a, b) => compareUtf8(a.sortKey, b.sortKey))
    let files: string[] = []
    for (const entry of sorted) {
      const key = folderKey ? `${folderKey}/${entry.name}` : entry.name
      if (!entry.folder) {
        files.push(key)
        if (files.length >= STAT_BATCH) {
          yield await this.statAll(files)
          files = []
        }
        continue
      }
      if (files.length) {
        yield await this.statAll(files)
        files = []
      }
      yield* this.walk(key)
    }
    if (files.length) yield await this.statAll(files)
  }

  /**
   * Stats a batch synchronously: on a warm cache a stat is microseconds, and the thread pool's
   * round trip costs several times that, so 100,000 files list about 3× faster this way. The batch
   * is small, and the event loop gets a turn between batches.
   */
  private async statAll(keys: string[]): Promise<SourceFile[]> {
    await new Promise((resolve) => setImmediate(resolve))
    const out: SourceFile[] = []
    if (statFiles) {
      // One native call per batch: the same markers as markerOf, at about half the time per file.
      const { isFile, sizes, markers } = statFiles(this.prefix, keys.map((key) => this.nameOf(key)))
      keys.forEach((key, i) => isFile[i] && out.push({ key, size: sizes[i], marker: markers[i] }))
      return out
    }
    for (const key of keys) {
      const st = statSyncIfFile(this.pathOf(key))
      // Gone between readdir and stat: not part of this listing.
      if (st) out.push({ key, size: Number(st.size), marker: markerOf(st) })
    }
    return out
  }

  // Plain concatenation: keys are checked relative `/` paths (listing names pass keyProblem), and
  // path.join per file was a tenth of a listing's time.
  private pathOf(key: string, folder = false): string {
    if (folder && key === '') return this.root
    return this.root + path.sep + (path.sep === '/' ? key : key.split('/').join(path.sep))
  }

  // pathOf(key) in the two parts hashSmallFiles takes: one shared prefix, and per file its name.
  private get prefix(): string {
    return this.root + path.sep
  }

  private nameOf(key: string): string {
    return path.sep === '/' ? key : key.split('/').join(path.sep)
  }
}

export function markerOf(st: BigIntStats): string {
  return `${st.mtimeNs.toString(16)}-${st.size.toString(16)}-${st.ino.toString(16)}`
}

function statSyncIfFile(file: string): BigIntStats | undefined {
  // lstat: a symbolic link is not a file of the datastore, as in listings.
  try {
    const st = fs.lstatSync(file, { bigint: true, throwIfNoEntry: false })
    return st?.isFile() ? st : undefined
  } catch (err) {
    // throwIfNoEntry covers ENOENT only: a folder replaced by a file since readdir is gone too.
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined
    throw err
  }
}

async function statIfFile(file: string): Promise<BigIntStats | undefined> {
  try {
    const st = await fs.promises.lstat(file, { bigint: true })
    return st.isFile() ? st : undefined
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw err
  }
}

/**
 * Reads a small file with one read of size + 1 bytes (callback API: no FileHandle bookkeeping per
 * file), so a file that grew since it was listed comes back longer than expected.
 */
function readSmall(file: string, size: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    fs.open(file, READ_NO_FOLLOW, (openErr, fd) => {
      if (openErr) return reject(openErr)
      const buf = Buffer.allocUnsafe(size + 1)
      let got = 0
      const step = () =>
        fs.read(fd, buf, got, buf.length - got, got, (err, n) => {
          if (err) return fs.close(fd, () => reject(err))
          got += n
          // Regular files return short reads only at the end; loop just in case.
          if (n > 0 && got < size) return step()
          fs.close(fd, () => resolve(buf.subarray(0, got)))
        })
      step()
    })
  })
}

/** Opens a large file without following a link that replaced it, and hashes it. */
async function hashLarge(file: string, expectedSize: number, onBytes?: (n: number) => void): Promise<{ oid: string; size: number }> {
  const fd = await new Promise<number>((resolve, reject) => fs.open(file, READ_NO_FOLLOW, (err, fd) => (err ? reject(err) : resolve(fd))))
  try {
    return await hashLargeFile(fd, expectedSize, onBytes)
  } finally {
    fs.close(fd, () => {})
  }
}
