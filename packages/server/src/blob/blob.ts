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
 * memory. Keys are `/`-separated relative paths; implementations reject keys that escape their
 * root. Every method throws BlobNotFoundError for a missing key where it needs one.
 */
export interface BlobStore {
  /** Writes the whole stream under `key`, atomically: readers see the old bytes or the new, never a part. */
  put(key: string, body: Readable | Buffer): Promise<void>
  /** Streams the bytes; `range` is inclusive-exclusive [start, end). */
  get(key: string, range?: { start: number; end?: number }): Promise<Readable>
  stat(key: string): Promise<BlobStat>
  exists(key: string): Promise<boolean>
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>
  /** One page of objects whose keys start with `prefix`, in key order. */
  listPage(prefix: string, opts?: { token?: string; limit?: number }): Promise<ListPage>
  /** Every object under `prefix`, page by page. */
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
