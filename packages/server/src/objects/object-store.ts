import { randomUUID } from 'node:crypto'
import { contentHasher, contentIdOf, parseContentId, type ContentAlgorithm, type ContentHasher } from '@railyard/content-id'
import { Readable, Transform, pipeline, type TransformCallback } from 'node:stream'
import { BlobNotFoundError, type BlobStore } from '../blob/blob.js'
import { InvalidOidError, ObjectCorruptError, ObjectNotFoundError } from './errors.js'
import { parseTree, serializeTree, type TreeEntry } from './tree.js'
import { VerifyingStream } from './verifying-stream.js'

/** What identifies and sizes one stored object. */
export interface ObjectInfo {
  /** `sha256:` or `blake3:` and 64 lowercase hex digits: the digest of the bytes. */
  oid: string
  /** Bytes. */
  size: number
}

/** A tree object: the sorted entries and the id of their canonical JSON. */
export interface TreeInfo extends ObjectInfo {
  entries: TreeEntry[]
}

// A tree is read whole into memory; a million entries is about 150 MB, far beyond any model.
const MAX_TREE_BYTES = 256 * 1024 * 1024

// Content found already stored and older than this has its time renewed when reused, so that
// `railyard gc`, which only deletes unreferenced objects older than its grace period (default 24 h),
// cannot delete an old object a new version is about to reference.
const FRESHEN_AFTER_MS = 60 * 60 * 1000

/**
 * Content-addressed objects on top of any BlobStore. Each distinct content is stored once under
 * `<prefix>sha256/ab/cdef…` (the first two hex digits are a fan-out folder) and named by its
 * SHA-256 (`sha256:abcdef…`); a caller may name content by BLAKE3 instead (`blake3:…`, stored under
 * `<prefix>blake3/…`), as dataset versions do for large files. Objects never change: writing existing content is a no-op, and every
 * read checks the bytes against the id, so storage that was altered behind our back is reported
 * (ObjectCorruptError naming the object) instead of served.
 *
 * Large contents are streamed, never held in memory. A one-shot stream is hashed while it is
 * written to a temporary key (`<prefix>tmp/…`) and then copied to its final key; a source that can
 * be opened twice (`putFrom`) is hashed first, so known content is never written again.
 *
 * Trees (`putTree`/`getTree`) describe a set of files: a sorted list of `{path, oid, size}` stored
 * as canonical JSON, itself an object, so one id names a whole directory's exact content. Model
 * versions and dataset versions are trees.
 */
export class ObjectStore {
  private readonly root: string

  /** `prefix` is where objects live inside `blobs`, e.g. `objects/` ('' for the whole store). */
  constructor(
    readonly blobs: BlobStore,
    prefix = 'objects/',
  ) {
    this.root = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`
  }

  /** The blob key of an object; throws InvalidOidError for a malformed id. */
  keyOf(oid: string): string {
    const parsed = parseContentId(oid)
    if (!parsed) throw new InvalidOidError(String(oid))
    return `${this.root}${parsed.algorithm}/${parsed.hex.slice(0, 2)}/${parsed.hex.slice(2)}`
  }

  /**
   * Stores the bytes of a one-shot stream (or a buffer) and returns their id and size.
   * The stream is consumed once; nothing is left behind when it fails.
   */
  async put(body: Readable | Buffer, algorithm: ContentAlgorithm = 'sha256'): Promise<ObjectInfo> {
    if (Buffer.isBuffer(body)) return this.putBuffer(body, algorithm)
    const tmp = `${this.root}tmp/${randomUUID()}`
    const hasher = new HashingPassThrough(algorithm)
    try {
      await this.blobs.put(tmp, pipeline(body, hasher, () => {}))
      const info = hasher.info()
      const key = this.keyOf(info.oid)
      if (!(await this.reuse(key))) await this.blobs.put(key, await this.blobs.get(tmp))
      return info
    } finally {
      await this.blobs.delete(tmp).catch(() => {})
    }
  }

  /**
   * Stores the content of a source that can be opened more than once (a blob, a file): it is hashed
   * first and written only when it is new. The written bytes are hashed again, so a source that
   * changed between the two reads is an error, never a wrong object.
   */
  async putFrom(open: () => Promise<Readable>, algorithm: ContentAlgorithm = 'sha256'): Promise<ObjectInfo> {
    const first = new HashingPassThrough(algorithm)
    await drain(pipeline(await open(), first, () => {}))
    const info = first.info()
    const key = this.keyOf(info.oid)
    if (await this.reuse(key)) return info
    const second = new HashingPassThrough(algorithm)
    await this.blobs.put(key, pipeline(await open(), second, () => {}))
    const written = second.info()
    if (written.oid !== info.oid) {
      await this.blobs.delete(key).catch(() => {})
      throw new Error(`The source changed while it was stored: it hashed to ${info.oid}, then to ${written.oid}`)
    }
    return info
  }

  /** Stores bytes already in memory. */
  async putBuffer(bytes: Buffer, algorithm: ContentAlgorithm = 'sha256'): Promise<ObjectInfo> {
    const info = { oid: contentIdOf(bytes, algorithm), size: bytes.length }
    const key = this.keyOf(info.oid)
    if (!(await this.reuse(key))) await this.blobs.put(key, bytes)
    return info
  }

  /**
   * For a writer about to reference existing content: true when the object is stored, with its
   * time renewed if it was written long ago (see FRESHEN_AFTER_MS); false when it must be written.
   */
  async reuseExisting(oid: string): Promise<boolean> {
    return this.reuse(this.keyOf(oid))
  }

  private async reuse(key: string): Promise<boolean> {
    let stat
    try {
      stat = await this.blobs.stat(key)
    } catch (err) {
      if (err instanceof BlobNotFoundError) return false
      throw err
    }
    if (Date.now() - stat.mtime < FRESHEN_AFTER_MS) return true
    try {
      await this.blobs.touch(key)
    } catch (err) {
      // Collected between the two calls: write it again.
      if (err instanceof BlobNotFoundError) return false
      // Any other failure (an S3 object over 5 GB cannot be copied in one call) leaves its time as
      // it was: the object is there, only gc's grace period does not restart for it.
    }
    return true
  }

  /**
   * Streams an object's bytes, checking them against its id. On a mismatch the stream fails with
   * ObjectCorruptError before its last chunk is delivered, so a consumer never receives a
   * complete-looking copy of corrupt content. ObjectNotFoundError when absent.
   */
  async get(oid: string): Promise<Readable> {
    const key = this.keyOf(oid)
    let source: Readable
    try {
      source = await this.blobs.get(key)
    } catch (err) {
      if (err instanceof BlobNotFoundError) throw new ObjectNotFoundError(oid)
      throw err
    }
    return pipeline(source, new VerifyingStream(oid, undefined, (actual) => new ObjectCorruptError(oid, actual ?? 'unknown')), () => {})
  }

  /** Reads a whole object into memory (for small objects such as trees), verified. */
  async getBuffer(oid: string, maxBytes = MAX_TREE_BYTES): Promise<Buffer> {
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of await this.get(oid)) {
      size += (chunk as Buffer).length
      if (size > maxBytes) throw new Error(`Object ${oid} is larger than ${maxBytes} bytes`)
      chunks.push(chunk as Buffer)
    }
    return Buffer.concat(chunks)
  }

  async has(oid: string): Promise<boolean> {
    return this.blobs.exists(this.keyOf(oid))
  }

  /** The object's id and stored size; ObjectNotFoundError when absent. Does not read the bytes. */
  async stat(oid: string): Promise<ObjectInfo> {
    try {
      const s = await this.blobs.stat(this.keyOf(oid))
      return { oid, size: s.size }
    } catch (err) {
      if (err instanceof BlobNotFoundError) throw new ObjectNotFoundError(oid)
      throw err
    }
  }

  /**
   * Stores a tree of files whose objects are already stored. Entries may come in any order; they
   * are checked (relative `/` paths, no `.`/`..`, no duplicates, no file that is also a folder) and
   * sorted, so the same files always give the same tree id.
   */
  async putTree(entries: TreeEntry[]): Promise<TreeInfo> {
    const { bytes, sorted } = serializeTree(entries)
    const info = await this.putBuffer(bytes)
    return { ...info, entries: sorted }
  }

  /** Reads and checks a tree; ObjectNotFoundError when absent, InvalidTreeError when not a tree. */
  async getTree(oid: string): Promise<TreeInfo> {
    const bytes = await this.getBuffer(oid)
    return { oid, size: bytes.length, entries: parseTree(bytes) }
  }
}

async function drain(stream: Readable): Promise<void> {
  for await (const _ of stream) {
    // Only the hash is wanted.
  }
}

/** Passes bytes through unchanged while hashing and counting them. */
class HashingPassThrough extends Transform {
  private readonly hash: ContentHasher
  private size = 0
  private digest?: string

  constructor(algorithm: ContentAlgorithm) {
    super()
    this.hash = contentHasher(algorithm)
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk)
    this.size += chunk.length
    done(null, chunk)
  }

  override _flush(done: TransformCallback): void {
    this.digest = this.hash.id()
    done()
  }

  /** Id and size of everything that passed; only after the stream ended. */
  info(): ObjectInfo {
    if (this.digest === undefined) throw new Error('The stream ended before all of it was hashed')
    return { oid: this.digest, size: this.size }
  }
}
