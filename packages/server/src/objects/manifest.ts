import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { DATASET_MANIFEST_HEADER, InvalidParameterError } from '@railyard/api'
import { isContentId } from '@railyard/content-id'

/**
 * Dataset manifests: the file list of a dataset version, as NDJSON so it can be written, stored,
 * served and diffed as a stream, never held whole (a million files is about 150 MB).
 *
 *   {"type":"railyard.dataset-manifest","version":1}
 *   {"path":"a.csv","size":12,"oid":"sha256:…","marker":"…"}
 *   {"path":"big.parquet","size":73400320,"oid":"blake3:…","marker":"…"}
 *   …
 *
 * Canonical form: the header line, then one line per file with keys in this order and no spaces,
 * strings as JSON.stringify writes them, sorted by the UTF-8 bytes of the paths, no duplicates,
 * every line ending in `\n`. The manifest's SHA-256 is the version id, so equal file sets give
 * equal ids in any implementation that writes exactly this. A file's oid is the SHA-256 of its
 * bytes up to 1 MiB and their plain BLAKE3 above (`b3sum` prints it): see @railyard/content-id.
 */
export interface ManifestEntry {
  path: string
  size: number
  oid: string
  marker: string
}

/** Every this many entries, the index records the path and byte offset of a line. */
export const MANIFEST_INDEX_STRIDE = 1024

/** Where lines can be found without reading from the start. */
export interface ManifestIndex {
  manifest: string
  stride: number
  count: number
  /** [path, byte offset of its line], every `stride` entries from the first. */
  entries: Array<[string, number]>
}

const HEADER_LINE = `${DATASET_MANIFEST_HEADER}\n`
export const HEADER_BYTES = Buffer.byteLength(HEADER_LINE)
const INDEX_TYPE = 'railyard.dataset-manifest-index'

export function manifestLine(e: ManifestEntry): string {
  return `{"path":${JSON.stringify(e.path)},"size":${e.size},"oid":"${e.oid}","marker":${JSON.stringify(e.marker)}}\n`
}

/** A manifest (or index) that does not follow the format: stored bytes are damaged or not ours. */
export class InvalidManifestError extends InvalidParameterError {
  constructor(reason: string) {
    super(`Invalid dataset manifest: ${reason}`)
  }
}

export function parseManifestLine(line: string): ManifestEntry {
  let e: ManifestEntry
  try {
    e = JSON.parse(line) as ManifestEntry
  } catch {
    throw new InvalidManifestError(`line is not JSON: ${line.slice(0, 80)}`)
  }
  if (
    !e ||
    typeof e.path !== 'string' ||
    !Number.isSafeInteger(e.size) ||
    typeof e.oid !== 'string' ||
    !isContentId(e.oid) ||
    typeof e.marker !== 'string'
  ) {
    throw new InvalidManifestError(`bad entry: ${line.slice(0, 80)}`)
  }
  return e
}

/**
 * Compares by UTF-8 bytes without encoding: UTF-16 order is the same except where a surrogate
 * (an astral character) meets a character from U+E000 up, the only case handed to Buffer.compare.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    if ((x >= 0xd800 || y >= 0xd800) && (x >= 0xe000 || y >= 0xe000) && (x < 0xe000 || y < 0xe000)) {
      return Buffer.compare(Buffer.from(a.slice(i)), Buffer.from(b.slice(i)))
    }
    return x - y
  }
  return a.length - b.length
}

export interface BuiltManifest {
  /** Temporary file holding the manifest bytes; removed by discard(). */
  file: string
  oid: string
  size: number
  count: number
  totalBytes: number
  index: ManifestIndex
}

// Lines are gathered until the next index point, or about this many characters, before each write.
const WRITE_CHUNK = 256 * 1024
// Bytes queued for the file before a writer's caller is held back (see `drained`).
const WRITE_BACKLOG = 4 * 1024 * 1024

/**
 * Writes a manifest to a temporary file while hashing it and building its index. Entries must
 * come in canonical order; an out-of-order or duplicate path is an error (the caller sorts).
 */
export class ManifestWriter {
  private readonly hash = createHash('sha256')
  private readonly out: fs.WriteStream
  private readonly indexEntries: Array<[string, number]> = []
  private pending = ''
  private offset = 0
  private count = 0
  private totalBytes = 0
  private last?: string
  private failed?: Error

  private constructor(readonly file: string) {
    this.out = fs.createWriteStream(file, { flags: 'wx', highWaterMark: WRITE_BACKLOG })
    this.out.on('error', (err) => (this.failed = err))
    this.pending = HEADER_LINE
  }

  static create(dir = os.tmpdir()): ManifestWriter {
    const file = path.join(dir, `railyard-manifest-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`)
    return new ManifestWriter(file)
  }

  /** Adds one entry, then waits while the file write is far behind (see `append` and `drained`). */
  async add(e: ManifestEntry): Promise<void> {
    this.append(e)
    await this.drained()
  }

  /**
   * Adds one entry without waiting: a snapshot adds a hundred thousand in a row, and a promise per
   * entry cost more than the line. Throws on an out-of-order or duplicate path. Callers that append
   * many entries await `drained()` now and then, so a slow disk holds them back.
   */
  append(e: ManifestEntry): void {
    if (this.last !== undefined && compareUtf8(this.last, e.path) >= 0) {
      throw new Error(`Manifest entries out of order: '${e.path}' after '${this.last}'`)
    }
    this.last = e.path
    // Written out at each index point, so the offset of its line is the bytes written so far:
    // no byte count per line.
    if (this.count % MANIFEST_INDEX_STRIDE === 0) {
      this.flush()
      this.indexEntries.push([e.path, this.offset])
    }
    this.count++
    this.totalBytes += e.size
    this.pending += manifestLine(e)
    if (this.pending.length >= WRITE_CHUNK) this.flush()
  }

  /** Resolves once the bytes queued for the file are below the backlog limit; rejects if writing failed. */
  async drained(): Promise<void> {
    if (this.failed) throw this.failed
    if (this.out.writableNeedDrain) await new Promise<void>((resolve) => this.out.once('drain', () => resolve()))
    if (this.failed) throw this.failed
  }

  async finish(): Promise<BuiltManifest> {
    this.flush()
    await new Promise<void>((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())))
    if (this.failed) throw this.failed
    const oid = `sha256:${this.hash.digest('hex')}`
    return {
      file: this.file,
      oid,
      size: this.offset,
      count: this.count,
      totalBytes: this.totalBytes,
      index: { manifest: oid, stride: MANIFEST_INDEX_STRIDE, count: this.count, entries: this.indexEntries },
    }
  }

  async discard(): Promise<void> {
    this.out.destroy()
    await fs.promises.rm(this.file, { force: true })
  }

  /** Hashes the pending lines and queues them for the file (the stream buffers them; `drained` waits). */
  private flush(): void {
    if (this.failed) throw this.failed
    if (this.pending === '') return
    const chunk = Buffer.from(this.pending)
    this.pending = ''
    this.hash.update(chunk)
    this.offset += chunk.length
    this.out.write(chunk)
  }
}

export function serializeIndex(index: ManifestIndex): Buffer {
  return Buffer.from(
    JSON.stringify({ type: INDEX_TYPE, version: 1, manifest: index.manifest, stride: index.stride, count: index.count, entries: index.entries }),
  )
}

export function parseIndex(bytes: Buffer): ManifestIndex {
  let doc: ManifestIndex & { type?: unknown }
  try {
    doc = JSON.parse(bytes.toString('utf8'))
  } catch {
    throw new InvalidManifestError('index is not JSON')
  }
  if (doc?.type !== INDEX_TYPE || !Array.isArray(doc.entries)) throw new InvalidManifestError('not a manifest index')
  return { manifest: doc.manifest, stride: doc.stride, count: doc.count, entries: doc.entries }
}

/** The byte offset to start reading at to find `path` (or the first path after it). */
export function seekOffset(index: ManifestIndex, target: string): number {
  let lo = 0
  let hi = index.entries.length - 1
  let best = -1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (compareUtf8(index.entries[mid][0], target) <= 0) {
      best = mid
      lo = mid + 1
    } else {
      hi = mid - 1
    }
  }
  return best < 0 ? HEADER_BYTES : index.entries[best][1]
}

export interface LocatedEntry {
  entry: ManifestEntry
  /** Byte offset of the line, and of the next line. */
  offset: number
  next: number
}

/**
 * Entries of manifest bytes read from `start` (a line boundary; 0 means the header comes first and
 * is checked). Lines are split on raw bytes so offsets stay exact.
 */
export async function* readManifest(stream: Readable, start = 0): AsyncGenerator<LocatedEntry> {
  let offset = start
  let rest: Buffer | undefined
  let headerPending = start === 0
  try {
    for await (const chunk of stream) {
      let buf: Buffer = rest ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer)
      let from = 0
      for (let nl = buf.indexOf(10, from); nl !== -1; nl = buf.indexOf(10, from)) {
        const line = buf.toString('utf8', from, nl)
        const lineStart = offset
        offset += nl + 1 - from
        from = nl + 1
        if (headerPending) {
          if (line !== DATASET_MANIFEST_HEADER) throw new InvalidManifestError('missing header')
          headerPending = false
          continue
        }
        yield { entry: parseManifestLine(line), offset: lineStart, next: offset }
      }
      rest = from < buf.length ? buf.subarray(from) : undefined
      buf = Buffer.alloc(0)
    }
  } finally {
    stream.destroy()
  }
  if (rest && rest.length > 0) throw new InvalidManifestError('last line is not terminated')
  if (headerPending) throw new InvalidManifestError('empty manifest')
}
