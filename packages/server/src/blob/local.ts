import fs, { type FileHandle } from 'node:fs/promises'
import type { BigIntStats } from 'node:fs'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { BlobKeyError, BlobNotFoundError, type BlobStat, type BlobStore, type ListPage } from './blob.js'
import { checkKey, checkPrefix, compareKeys, keyProblem } from './keys.js'
import { keyOfToken, listAllPages, pageLimit, tokenAfter } from './paging.js'
import { checkRange, clampRange, type ByteRange } from './range.js'

/**
 * Uploads in progress are written next to their target under this name and renamed into place;
 * listings skip such files, and keys may not use the name, so a half-written file never shows.
 */
export const TEMP_PREFIX = '.railyard-upload-'

// How often put retries when a concurrent delete prunes the folder it just created.
const PRUNE_RACE_RETRIES = 5

/** Blobs as files under a root folder; a key `a/b/c.txt` is the file `<root>/a/b/c.txt`. */
export class LocalBlobStore implements BlobStore {
  readonly root: string

  constructor(rootDir: string) {
    this.root = path.resolve(rootDir)
  }

  async put(key: string, body: Readable | Buffer): Promise<void> {
    const file = this.pathOf(key)
    const dir = path.dirname(file)
    const temp = path.join(dir, TEMP_PREFIX + randomBytes(8).toString('hex'))
    const handle = await this.createTemp(key, dir, temp)
    try {
      await writeBody(handle, body)
      // The bytes must be on disk before the rename makes them visible, or a crash could
      // leave a complete-looking file full of zeros.
      await handle.sync()
    } catch (err) {
      await handle.close().catch(() => {})
      await fs.rm(temp, { force: true })
      throw err
    }
    await handle.close()
    try {
      await fs.rename(temp, file)
    } catch (err) {
      await fs.rm(temp, { force: true })
      if (['EISDIR', 'ENOTEMPTY', 'EEXIST'].includes(errorCode(err))) {
        throw new BlobKeyError(key, 'a folder of other objects has this name')
      }
      throw err
    }
    await syncFolder(dir)
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    checkRange(range)
    const file = this.pathOf(key)
    let handle: FileHandle
    try {
      handle = await fs.open(file, 'r')
    } catch (err) {
      if (isMissing(err)) throw new BlobNotFoundError(key)
      throw err
    }
    try {
      // The size of the file we opened, not of whatever the key points at a moment later.
      const st = await handle.stat()
      if (!st.isFile()) throw new BlobNotFoundError(key)
      const { start, end } = clampRange(range, st.size)
      if (start === end) {
        await handle.close()
        return Readable.from([], { objectMode: false })
      }
      return handle.createReadStream({ start, end: end - 1 })
    } catch (err) {
      await handle.close().catch(() => {})
      throw err
    }
  }

  async stat(key: string): Promise<BlobStat> {
    const st = await this.statFile(key)
    if (!st) throw new BlobNotFoundError(key)
    return toStat(key, st)
  }

  async exists(key: string): Promise<boolean> {
    return (await this.statFile(key)) !== undefined
  }

  async touch(key: string): Promise<void> {
    // Only regular files are objects; a folder of that name is "not found", as in stat.
    if (!(await this.statFile(key))) throw new BlobNotFoundError(key)
    const now = new Date()
    await fs.utimes(this.pathOf(key), now, now)
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(key)
    try {
      await fs.unlink(file)
    } catch (err) {
      if (isMissing(err)) return
      // A folder is not an object: deleting it by key is deleting nothing.
      if (['EISDIR', 'EPERM'].includes(errorCode(err)) && (await isFolder(file))) return
      throw err
    }
    await this.pruneEmptyFolders(path.dirname(file))
  }

  async listPage(prefix: string, opts: { token?: string; limit?: number } = {}): Promise<ListPage> {
    checkPrefix(prefix)
    const limit = pageLimit(opts.limit)
    const slash = prefix.lastIndexOf('/')
    const found: BlobStat[] = []
    // One more than the page shows, to know whether another page follows.
    await this.walk(prefix.slice(0, Math.max(slash, 0)), prefix.slice(slash + 1), keyOfToken(opts.token), found, limit + 1)
    const items = found.slice(0, limit)
    return found.length > limit ? { items, nextToken: tokenAfter(items[items.length - 1].key) } : { items }
  }

  list(prefix: string): AsyncIterable<BlobStat> {
    return listAllPages(this, prefix)
  }

  /**
   * Collects objects under the folder `folderKey` whose names start with `namePrefix`, in key
   * order, after the key `after`, until `out` holds `max`. Entries are sorted with a `/` after
   * folder names because that is how their keys sort: `a-c` comes before `a/b`.
   */
  private async walk(folderKey: string, namePrefix: string, after: string | undefined, out: BlobStat[], max: number): Promise<void> {
    let entries
    try {
      entries = await fs.readdir(this.folderPath(folderKey), { withFileTypes: true })
    } catch (err) {
      if (isMissing(err)) return
      throw err
    }
    const sorted = entries
      .filter((e) => e.name.startsWith(namePrefix) && (e.isFile() || e.isDirectory()) && isKeyName(e.name))
      .map((e) => ({ name: e.name, folder: e.isDirectory(), sortKey: Buffer.from(e.isDirectory() ? `${e.name}/` : e.name) }))
      .sort((a, b) => Buffer.compare(a.sortKey, b.sortKey))
    for (const entry of sorted) {
      if (out.length >= max) return
      const key = folderKey ? `${folderKey}/${entry.name}` : entry.name
      if (entry.folder) {
        const below = `${key}/`
        // Every key below sorts before `after` when `after` is past the folder and not inside it.
        if (after !== undefined && compareKeys(after, below) > 0 && !after.startsWith(below)) continue
        await this.walk(key, '', after, out, max)
      } else if (after === undefined || compareKeys(key, after) > 0) {
        const st = await statIfFile(path.join(this.folderPath(folderKey), entry.name))
        if (st) out.push(toStat(key, st))
      }
    }
  }

  private async createTemp(key: string, dir: string, temp: string): Promise<FileHandle> {
    for (let attempt = 0; ; attempt++) {
      try {
        await fs.mkdir(dir, { recursive: true })
        return await fs.open(temp, 'wx')
      } catch (err) {
        const code = errorCode(err)
        // A delete of the folder's last object may prune it between our mkdir and open.
        if (code === 'ENOENT' && attempt < PRUNE_RACE_RETRIES) continue
        if (code === 'ENOTDIR' || code === 'EEXIST') {
          throw new BlobKeyError(key, 'an object exists where one of its folders would be')
        }
        throw err
      }
    }
  }

  private statFile(key: string): Promise<BigIntStats | undefined> {
    return statIfFile(this.pathOf(key))
  }

  private async pruneEmptyFolders(dir: string): Promise<void> {
    while (dir.startsWith(this.root + path.sep)) {
      try {
        await fs.rmdir(dir)
      } catch {
        return // not empty (or already gone): the folders above are not empty either
      }
      dir = path.dirname(dir)
    }
  }

  /** The file of a key, after the key rules; throws BlobKeyError for anything that could escape. */
  private pathOf(key: string): string {
    checkKey(key)
    const segments = key.split('/')
    if (segments.some((s) => s.startsWith(TEMP_PREFIX))) {
      throw new BlobKeyError(key, `names starting with ${TEMP_PREFIX} are reserved for uploads in progress`)
    }
    const file = path.join(this.root, ...segments)
    // The rules above already exclude this; checked again because the cost of being wrong is high.
    if (!file.startsWith(this.root + path.sep)) throw new BlobKeyError(key, 'resolves outside the store')
    return file
  }

  private folderPath(folderKey: string): string {
    return folderKey ? path.join(this.root, ...folderKey.split('/')) : this.root
  }
}

function toStat(key: string, st: BigIntStats): BlobStat {
  return {
    key,
    size: Number(st.size),
    mtime: Number(st.mtimeMs),
    // The inode changes on every put (rename of a new file), so same-size rewrites within one
    // clock tick still get a new etag.
    etag: `${st.mtimeNs.toString(16)}-${st.size.toString(16)}-${st.ino.toString(16)}`,
  }
}

async function writeBody(handle: FileHandle, body: Readable | Buffer): Promise<void> {
  if (Buffer.isBuffer(body)) {
    await handle.writeFile(body)
    return
  }
  // One chunk at a time: the next is read only after the last is written, so memory stays
  // flat however large the stream and a slow disk slows the sender down.
  for await (const chunk of body) {
    const buf: Buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    let offset = 0
    while (offset < buf.length) {
      const { bytesWritten } = await handle.write(buf, offset, buf.length - offset)
      offset += bytesWritten
    }
  }
}

/** Makes a rename inside `dir` durable; some platforms can't open folders, which is fine. */
async function syncFolder(dir: string): Promise<void> {
  let handle: FileHandle | undefined
  try {
    handle = await fs.open(dir, 'r')
    await handle.sync()
  } catch {
    // best effort
  } finally {
    await handle?.close().catch(() => {})
  }
}

/** A file's stats; undefined when it is missing or not a regular file. */
async function statIfFile(file: string): Promise<BigIntStats | undefined> {
  try {
    const st = await fs.stat(file, { bigint: true })
    return st.isFile() ? st : undefined
  } catch (err) {
    if (isMissing(err)) return undefined
    throw err
  }
}

/**
 * Whether a file or folder name found on disk can be part of a key. Uploads in progress are not,
 * nor are names put there by hand that no key could reach (`a\b`, `%2e%2e`).
 */
function isKeyName(name: string): boolean {
  return !name.startsWith(TEMP_PREFIX) && keyProblem(name) === undefined
}

async function isFolder(file: string): Promise<boolean> {
  try {
    return (await fs.lstat(file)).isDirectory()
  } catch {
    return false
  }
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? ''
}

function isMissing(err: unknown): boolean {
  const code = errorCode(err)
  return code === 'ENOENT' || code === 'ENOTDIR'
}
