import { Readable } from 'node:stream'
import { BlobNotFoundError, type BlobStat, type BlobStore, type ListPage } from './blob.js'
import { checkKey, checkPrefix, compareKeys } from './keys.js'
import { keyOfToken, listAllPages, pageLimit, tokenAfter } from './paging.js'
import { clampRange, type ByteRange } from './range.js'

interface StoredObject {
  data: Buffer
  mtime: number
  etag: string
}

/** Blobs in a Map, for tests and `memory:` URLs. Same contract and suite as the other adapters. */
export class MemoryBlobStore implements BlobStore {
  private readonly objects = new Map<string, StoredObject>()
  private writes = 0

  async put(key: string, body: Readable | Buffer): Promise<void> {
    checkKey(key)
    // Read everything first: a stream that fails leaves the previous bytes in place.
    const data = Buffer.isBuffer(body) ? Buffer.from(body) : await readAll(body)
    this.objects.set(key, { data, mtime: Date.now(), etag: `m${++this.writes}` })
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const { data } = this.object(key)
    const { start, end } = clampRange(range, data.length)
    const slice = data.subarray(start, end)
    return Readable.from(slice.length ? [slice] : [], { objectMode: false })
  }

  async stat(key: string): Promise<BlobStat> {
    return toStat(key, this.object(key))
  }

  async touch(key: string): Promise<void> {
    const obj = this.object(key)
    obj.mtime = Math.max(Date.now(), obj.mtime + 1)
  }

  async exists(key: string): Promise<boolean> {
    checkKey(key)
    return this.objects.has(key)
  }

  async delete(key: string): Promise<void> {
    checkKey(key)
    this.objects.delete(key)
  }

  async listPage(prefix: string, opts: { token?: string; limit?: number } = {}): Promise<ListPage> {
    checkPrefix(prefix)
    const limit = pageLimit(opts.limit)
    const after = keyOfToken(opts.token)
    const keys = [...this.objects.keys()]
      .filter((k) => k.startsWith(prefix) && (after === undefined || compareKeys(k, after) > 0))
      .sort(compareKeys)
    const items = keys.slice(0, limit).map((k) => toStat(k, this.objects.get(k)!))
    return keys.length > limit ? { items, nextToken: tokenAfter(items[items.length - 1].key) } : { items }
  }

  list(prefix: string): AsyncIterable<BlobStat> {
    return listAllPages(this, prefix)
  }

  private object(key: string): StoredObject {
    checkKey(key)
    const obj = this.objects.get(key)
    if (!obj) throw new BlobNotFoundError(key)
    return obj
  }
}

function toStat(key: string, obj: StoredObject): BlobStat {
  return { key, size: obj.data.length, mtime: obj.mtime, etag: obj.etag }
}

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of body) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
  return Buffer.concat(chunks)
}
