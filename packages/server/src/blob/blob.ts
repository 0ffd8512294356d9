import type { Readable } from 'node:stream'

/** What a blob store knows about one object. */
export interface BlobStat {
  /** Key relative to the store's root, `/`-separated, never starting with `/`. */
  key: string
  size: number
  /** Last modification, milliseconds since the epoch. */
  mtime: number
  /** The store's change marker: ETag for S3/Azure, `mtime-size` for local files. */
  etag: string
  /** Object version id where the store keeps versions (S3 versioning, Azure versions). */
  versionId?: string
}

export interface ListPage {
  items: BlobStat[]
  /** Pass back to get the next page; absent on the last page. */
  nextToken?: string
}

/**
 * Bytes under keys, the same contract for a local folder, S3-compatible storage, Azure Blob and
 * memory; `blob-suite.ts` checks every adapter against it.
 *
 * Keys are relative `/`-separated paths: no leading or trailing `/`, no empty, `.` or `..`
 * segments, no backslash or control characters, none of those hidden behind percent-encoding
 * (`%2e%2e`), at most 1,024 bytes of UTF-8. Every method throws BlobKeyError for any other key
 * (`keys.ts` has the rules), before touching storage, so a key that works on one adapter works on
 * all. Methods that need an existing object throw BlobNotFoundError for a missing key; a "folder"
 * (a prefix of other keys) is not an object.
 */
export interface BlobStore {
  /**
   * Writes the whole stream under `key`, atomically: readers see the old bytes or the new, never a
   * part. If the stream fails, nothing is written and the previous bytes stay. Overwrites.
   */
  put(key: string, body: Readable | Buffer): Promise<void>
  /**
   * Streams the bytes; `range` is inclusive-exclusive [start, end) in bytes. A range reaching past
   * the end is cut at the end; one starting at or past the end (or with end == start) is empty.
   * A negative or inverted range is a RangeError.
   */
  get(key: string, range?: { start: number; end?: number }): Promise<Readable>
  stat(key: string): Promise<BlobStat>
  exists(key: string): Promise<boolean>
  /**
   * Makes the object's mtime now, bytes unchanged (content-addressed objects reused long after they
   * were written, so garbage collection's grace period counts from the reuse). BlobNotFoundError
   * when absent.
   */
  touch(key: string): Promise<void>
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>
  /**
   * One page of objects whose keys start with `prefix` (a plain string match: `a/b` matches `a/bc`
   * and `a/b/c`), in key order (byte order of the UTF-8 keys, as S3 lists). At most `limit` items
   * (default 1000; an adapter may return fewer), and `nextToken`, an opaque string, while more remain.
   */
  listPage(prefix: string, opts?: { token?: string; limit?: number }): Promise<ListPage>
  /** Every object under `prefix`, page by page, in key order. */
  list(prefix: string): AsyncIterable<BlobStat>
}

export class BlobNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`No object at '${key}'`)
    this.name = 'BlobNotFoundError'
  }
}

export class BlobKeyError extends Error {
  constructor(readonly key: string, reason: string) {
    super(`Invalid object key '${key}': ${reason}`)
    this.name = 'BlobKeyError'
  }
}
