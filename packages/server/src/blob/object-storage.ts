import { Readable } from 'node:stream'
import { BlobKeyError, BlobNotFoundError, type BlobStore } from './blob.js'
import { checkKey, checkPrefix, MAX_KEY_BYTES } from './keys.js'

// Helpers shared by the adapters over flat object namespaces (S3, Azure Blob).

/**
 * Maps the store's relative keys onto a bucket or container under a root prefix (`data/raw/`).
 * Keys follow the rules of keys.ts; since the root is prepended as a plain string and the cloud
 * services resolve no `..`, a valid key cannot name anything outside the root.
 */
export class PrefixedKeys {
  /** The root with a trailing `/`, or '' for the whole bucket/container. */
  readonly root: string

  constructor(prefix = '') {
    const trimmed = prefix.replace(/^\/+|\/+$/g, '')
    if (trimmed) checkKey(trimmed)
    this.root = trimmed ? `${trimmed}/` : ''
  }

  /** The full object name for a key; throws BlobKeyError for an invalid key. */
  full(key: string): string {
    checkKey(key)
    const full = this.root + key
    if (Buffer.byteLength(full) > MAX_KEY_BYTES) {
      throw new BlobKeyError(key, `longer than ${MAX_KEY_BYTES} bytes with the store prefix '${this.root}'`)
    }
    return full
  }

  /** The full listing prefix; throws BlobKeyError for an invalid prefix. */
  fullPrefix(prefix: string): string {
    checkPrefix(prefix)
    return this.root + prefix
  }

  /** The store-relative key of a listed object name, or undefined for names the store cannot address. */
  relative(fullName: string): string | undefined {
    if (!fullName.startsWith(this.root)) return undefined
    return fullName.slice(this.root.length)
  }
}

/** ETags arrive quoted (`"abc"`); the change marker is the bare value. */
export function stripQuotes(etag: string | undefined): string {
  return (etag ?? '').replace(/^(W\/)?"(.*)"$/, '$2')
}

/**
 * The read of no bytes (an empty range, or one starting at or past the end) still needs the
 * object: BlobNotFoundError for a missing key, as for any other read.
 */
export async function noBytesOf(store: Pick<BlobStore, 'stat'>, key: string): Promise<Readable> {
  await store.stat(key)
  return Readable.from([])
}

/** exists() as a metadata read (HEAD): false where stat() finds no object. */
export async function existsByStat(store: Pick<BlobStore, 'stat'>, key: string): Promise<boolean> {
  try {
    await store.stat(key)
    return true
  } catch (err) {
    if (err instanceof BlobNotFoundError) return false
    throw err
  }
}
