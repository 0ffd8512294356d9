import fs from 'node:fs'
import { Readable } from 'node:stream'
import { contentIdOf } from '@railyard/content-id'
import { BlobNotFoundError } from '../blob/blob.js'
import { ObjectNotFoundError } from './errors.js'
import type { ObjectStore } from './object-store.js'
import {
  InvalidManifestError,
  compareUtf8,
  parseIndex,
  readManifest,
  seekOffset,
  serializeIndex,
  type BuiltManifest,
  type LocatedEntry,
  type ManifestEntry,
  type ManifestIndex,
} from './manifest.js'

const INDEX_CACHE = 64

/**
 * Dataset manifests (see manifest.ts) kept as objects: the manifest itself, named by its hash
 * (the version id), and its small sparse index, so a page of files, one file's entry or a diff
 * can start reading in the middle instead of parsing from the top.
 */
export class DatasetManifests {
  private readonly indexes = new Map<string, ManifestIndex>()

  constructor(readonly objects: ObjectStore) {}

  /**
   * Stores a written manifest and its index; returns the index id and which objects this call
   * created (so a caller whose later step fails can remove exactly those).
   */
  async store(built: BuiltManifest): Promise<{ indexOid: string; created: string[] }> {
    const created: string[] = []
    if (!(await this.objects.reuseExisting(built.oid))) {
      // putFrom hashes the file again while writing: the object can only hold the bytes we hashed.
      await this.objects.putFrom(async () => fs.createReadStream(built.file))
      created.push(built.oid)
    }
    const indexBytes = serializeIndex(built.index)
    const indexOid = oidOf(indexBytes)
    if (!(await this.objects.reuseExisting(indexOid))) {
      await this.objects.putBuffer(indexBytes)
      created.push(indexOid)
    }
    this.indexes.set(indexOid, built.index)
    return { indexOid, created }
  }

  /** Removes objects a failed snapshot created. */
  async remove(oids: string[]): Promise<void> {
    for (const oid of oids) await this.objects.blobs.delete(this.objects.keyOf(oid)).catch(() => {})
  }

  /** The whole manifest, verified against its id while it streams. */
  stream(oid: string): Promise<Readable> {
    return this.objects.get(oid)
  }

  /**
   * Entries from byte `offset` (0: from the top), in path order. An offset that is not the start
   * of a line (a forged page token) is an InvalidManifestError.
   */
  async *entries(oid: string, offset = 0): AsyncGenerator<LocatedEntry> {
    if (offset === 0) {
      yield* readManifest(await this.open(oid, 0), 0)
      return
    }
    // Read from the byte before: it must be the previous line's newline.
    const stream = await this.open(oid, offset - 1)
    yield* readManifest(Readable.from(afterNewline(stream)), offset)
  }

  /** Entries whose path is `from` or after it, found through the index. */
  async *entriesFrom(oid: string, indexOid: string, from: string): AsyncGenerator<LocatedEntry> {
    const index = await this.index(indexOid)
    for await (const e of this.entries(oid, seekOffset(index, from))) {
      if (compareUtf8(e.entry.path, from) >= 0) yield e
    }
  }

  /** One file's entry, or undefined. Reads at most one index stride of lines. */
  async find(oid: string, indexOid: string, path: string): Promise<ManifestEntry | undefined> {
    for await (const { entry } of this.entriesFrom(oid, indexOid, path)) {
      return entry.path === path ? entry : undefined
    }
    return undefined
  }

  async index(indexOid: string): Promise<ManifestIndex> {
    const cached = this.indexes.get(indexOid)
    if (cached) return cached
    const index = parseIndex(await this.objects.getBuffer(indexOid))
    if (this.indexes.size >= INDEX_CACHE) this.indexes.delete(this.indexes.keys().next().value!)
    this.indexes.set(indexOid, index)
    return index
  }

  /** A ranged read of the stored bytes; lines are parsed and checked by readManifest. */
  private async open(oid: string, offset: number): Promise<Readable> {
    try {
      return await this.objects.blobs.get(this.objects.keyOf(oid), offset > 0 ? { start: offset } : undefined)
    } catch (err) {
      if (err instanceof BlobNotFoundError) throw new ObjectNotFoundError(oid)
      throw err
    }
  }
}

async function* afterNewline(stream: Readable): AsyncGenerator<Buffer> {
  let first = true
  try {
    for await (const chunk of stream) {
      let buf = chunk as Buffer
      if (first && buf.length) {
        if (buf[0] !== 10) throw new InvalidManifestError('offset is not at the start of a line')
        buf = buf.subarray(1)
        first = false
      }
      if (buf.length) yield buf
    }
  } finally {
    stream.destroy()
  }
  if (first) throw new InvalidManifestError('offset is past the end')
}

function oidOf(bytes: Buffer): string {
  return contentIdOf(bytes, 'sha256')
}
