import type { Readable } from 'node:stream'
import { ApiError } from '@railyard/api'
import { BLAKE3_ABOVE, algorithmForSize, contentHasher } from '@railyard/content-id'
import { BlobNotFoundError, type BlobStat, type BlobStore } from '../../blob/blob.js'

/** A file of a datastore as a listing or stat sees it. */
export interface SourceFile {
  /** Key relative to the datastore's root. */
  key: string
  size: number
  /** The store's change marker: version id or ETag (cloud), `mtimeNs-size-inode` in hex (local). */
  marker: string
}

export interface HashResult {
  oid: string
  /** The bytes, when asked for and the file is small enough to hold. */
  bytes?: Buffer
}

/**
 * Reads a datastore for snapshots and verified reads. Cloud datastores go through their BlobStore;
 * local folders have their own lister and reader (LocalFolderSource), because a listing that stats
 * in parallel and reads small files in one call is several times faster on 100,000 files.
 */
export interface DataSource {
  readonly blobs: BlobStore
  /** Pages of the files under `folder` ('' for all), in key order. Empty when the folder is absent. */
  list(folder: string): AsyncIterable<SourceFile[]>
  /** The file now, or undefined when it is gone. */
  stat(key: string): Promise<SourceFile | undefined>
  open(key: string): Promise<Readable>
  /** The content id (by the size rule of @railyard/content-id), streamed; FileChangedError when the size read differs from `file.size`. */
  hash(file: SourceFile, keepBytes: boolean, onBytes?: (n: number) => void): Promise<HashResult>
  /** Hashes many files at once where the source has a faster way than one by one; errors per file. */
  hashBatch?(files: SourceFile[], keepBytes: boolean, onBytes?: (n: number) => void): Promise<Array<HashResult | Error>>
  close(): void
}

/**
 * Files up to this size are read whole (and may be kept for pinning); larger ones are streamed.
 * The small-file path hashes with SHA-256 only, so this must not exceed the BLAKE3 threshold.
 */
export const SMALL_FILE = BLAKE3_ABOVE

/** A file changed (or vanished) while it was being read. */
export class FileChangedError extends ApiError {
  constructor(readonly key: string, detail: string) {
    super('RESOURCE_CONFLICT', `File '${key}' changed while it was read (${detail}); try again once writes to it have finished`)
  }
}

export function markerOf(stat: BlobStat): string {
  return stat.versionId ?? stat.etag
}

export class BlobSource implements DataSource {
  constructor(readonly blobs: BlobStore) {}

  async *list(folder: string): AsyncIterable<SourceFile[]> {
    const prefix = folder ? `${folder}/` : ''
    let token: string | undefined
    do {
      const page = await this.blobs.listPage(prefix, { token, limit: 1000 })
      if (page.items.length) yield page.items.map((s) => ({ key: s.key, size: s.size, marker: markerOf(s) }))
      token = page.nextToken
    } while (token)
  }

  async stat(key: string): Promise<SourceFile | undefined> {
    try {
      const s = await this.blobs.stat(key)
      return { key, size: s.size, marker: markerOf(s) }
    } catch (err) {
      if (err instanceof BlobNotFoundError) return undefined
      throw err
    }
  }

  async open(key: string): Promise<Readable> {
    return this.blobs.get(key)
  }

  async hash(file: SourceFile, keepBytes: boolean, onBytes?: (n: number) => void): Promise<HashResult> {
    let stream: Readable
    try {
      stream = await this.blobs.get(file.key)
    } catch (err) {
      if (err instanceof BlobNotFoundError) throw new FileChangedError(file.key, 'it is gone')
      throw err
    }
    const hash = contentHasher(algorithmForSize(file.size))
    const keep = keepBytes && file.size <= SMALL_FILE ? ([] as Buffer[]) : undefined
    let size = 0
    for await (const chunk of stream) {
      hash.update(chunk as Buffer)
      size += (chunk as Buffer).length
      keep?.push(chunk as Buffer)
      onBytes?.((chunk as Buffer).length)
    }
    if (size !== file.size) throw new FileChangedError(file.key, `listed with ${file.size} bytes, read ${size}`)
    return { oid: hash.id(), bytes: keep && Buffer.concat(keep) }
  }

  close(): void {
    ;(this.blobs as { close?: () => void }).close?.()
  }
}
