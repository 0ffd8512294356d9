import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream'
import { ApiError, NotFoundError, type ChangedFile, type ReadFilesFrame } from '@railyard/api'
import { contentIdOf, parseContentId } from '@railyard/content-id'
import type { DatasetRow } from '../../store/datasets-repo.js'
import type { DatasetVersionRow } from '../../store/dataset-versions-repo.js'
import type { ObjectStore } from '../../objects/object-store.js'
import type { ManifestEntry } from '../../objects/manifest.js'
import { FilesChangedError } from './changed-files.js'
import { SMALL_FILE, type DataSource, type HashResult } from './data-source.js'
import { limiter } from './limiter.js'
import { VerifyingStream } from '../../objects/verifying-stream.js'

// Small files are read a group at a time (the local datastore reads a group in one call, on worker
// threads when it is large enough) and sent as one write; the next group is read while this one is
// sent, so at most two groups are held: about 2 × GROUP_BYTES whatever the dataset's size.
const GROUP_FILES = 512
const GROUP_BYTES = 4 * 1024 * 1024
// Small files read at once from a source without a batch read (cloud datastores, pinned objects).
const READ_CONCURRENCY = 16
const ZEROS = Buffer.alloc(64 * 1024)

/** Where frames go. `write` resolves once the receiver can take more (backpressure). */
export interface FrameSink {
  write(chunk: Buffer): Promise<void>
}

/** A requested file: its manifest entry, or a path the version does not have. */
export type Wanted = ManifestEntry | { path: string; absent: true }

/** Where a version's files are read from: the object store (pinned) or its datastore. */
export interface FrameSource {
  dataset: DatasetRow
  version: DatasetVersionRow
  objects: ObjectStore
  /** The datastore, for unpinned versions. */
  datastore?: DataSource
  keyOf(path: string): string
}

type Content = { entry: ManifestEntry; bytes: Buffer } | { entry: ManifestEntry; large: true } | { refused: ReadFilesFrame }

/**
 * Writes the frames of `readDatasetFiles` (see the endpoint in @railyard/api) for `wanted`, in
 * order, and the trailer; returns the number of files reported. Every byte sent was hashed against
 * the entry's content id: small files are read whole and checked before their header goes out, so a
 * changed one is a clean `error` frame; large ones stream through a VerifyingStream and, if they
 * fail part way, are padded to their announced size and voided by an `error` frame.
 */
export async function writeFileFrames(src: FrameSource, wanted: AsyncIterable<Wanted>, out: FrameSink, log: (err: unknown, path: string) => void): Promise<number> {
  let files = 0
  const groups = groupsOf(wanted)
  const readNext = async () => {
    const group = await groups.next()
    return group.done ? undefined : readGroup(src, group.value, log)
  }
  let pending = readNext()
  try {
    for (;;) {
      const contents = await pending
      if (!contents) break
      // Read ahead: the next group is fetched while this one is sent.
      pending = readNext()
      const parts: Buffer[] = []
      for (const c of contents) {
        files++
        if ('refused' in c) parts.push(line(c.refused))
        else if ('bytes' in c) parts.push(line(headerOf(c.entry)), c.bytes)
        else {
          if (parts.length) await out.write(Buffer.concat(parts.splice(0)))
          await streamLarge(src, c.entry, out, log)
        }
      }
      if (parts.length) await out.write(parts.length === 1 ? parts[0] : Buffer.concat(parts))
    }
  } finally {
    // Stopped early (the receiver left): let the read in flight finish, then close the listing.
    await pending.catch(() => {})
    await groups.return(undefined)
  }
  await out.write(line({ end: true, files }))
  return files
}

/** Consecutive small files (at most GROUP_FILES / GROUP_BYTES), or one large file alone. */
async function* groupsOf(wanted: AsyncIterable<Wanted>): AsyncGenerator<Wanted[]> {
  let group: Wanted[] = []
  let bytes = 0
  for await (const w of wanted) {
    const large = !('absent' in w) && w.size > SMALL_FILE
    if (group.length && (large || group.length >= GROUP_FILES || bytes + ('absent' in w ? 0 : w.size) > GROUP_BYTES)) {
      yield group
      group = []
      bytes = 0
    }
    group.push(w)
    bytes += 'absent' in w ? 0 : w.size
    if (large) {
      yield group
      group = []
      bytes = 0
    }
  }
  if (group.length) yield group
}

/** The small files' verified bytes or why they are refused; large files are read when sent. */
async function readGroup(src: FrameSource, group: Wanted[], log: (err: unknown, path: string) => void): Promise<Content[]> {
  const out: Content[] = new Array(group.length)
  const small: number[] = []
  group.forEach((w, i) => {
    if ('absent' in w) out[i] = { refused: { path: w.path, error: new NotFoundError(`File '${w.path}' is not in version ${src.version.version_id.slice(7, 19)} of dataset '${src.dataset.name}'`).toBody() } }
    else if (w.size > SMALL_FILE) out[i] = { entry: w, large: true }
    else small.push(i)
  })
  if (!small.length) return out
  const entries = small.map((i) => group[i] as ManifestEntry)
  const results = src.datastore ? await readFromDatastore(src.datastore, src, entries) : await readObjects(src.objects, entries)
  await Promise.all(
    results.map(async (r, j) => {
      const entry = entries[j]
      if (!(r instanceof Error) && r.bytes && matches(r, entry)) out[small[j]] = { entry, bytes: r.bytes }
      else out[small[j]] = { refused: await refusal(src, entry, r instanceof Error ? r : undefined, log) }
    }),
  )
  return out
}

function readFromDatastore(source: DataSource, src: FrameSource, entries: ManifestEntry[]): Promise<Array<HashResult | Error>> {
  // The recorded size, not a fresh stat: the read takes size + 1 bytes, so a file that grew or
  // shrank is caught, and the hash decides whether the bytes are still the recorded ones.
  const files = entries.map((e) => ({ key: src.keyOf(e.path), size: e.size, marker: e.marker }))
  if (source.hashBatch) return source.hashBatch(files, true)
  const limit = limiter(READ_CONCURRENCY)
  return Promise.all(files.map((f) => limit(() => source.hash(f, true)).catch((err: Error) => err)))
}

function readObjects(objects: ObjectStore, entries: ManifestEntry[]): Promise<Array<HashResult | Error>> {
  const limit = limiter(READ_CONCURRENCY)
  // getBuffer checks the bytes against the id.
  return Promise.all(entries.map((e) => limit(async () => ({ oid: e.oid, bytes: await objects.getBuffer(e.oid, SMALL_FILE) })).catch((err: Error) => err)))
}

/** Whether read bytes are the entry's content; sources hash by the size rule, so an id by another algorithm is computed again. */
function matches(r: HashResult, entry: ManifestEntry): boolean {
  if (r.oid === entry.oid) return true
  const wanted = parseContentId(entry.oid)?.algorithm
  return !!wanted && !r.oid.startsWith(`${wanted}:`) && contentIdOf(r.bytes!, wanted) === entry.oid
}

/** Why a file is not delivered: for a datastore, what a fresh stat says it became. */
async function refusal(src: FrameSource, entry: ManifestEntry, err: Error | undefined, log: (err: unknown, path: string) => void): Promise<ReadFilesFrame> {
  const frame = { path: entry.path, size: entry.size, oid: entry.oid }
  if (!src.datastore) {
    if (!(err instanceof ApiError) || err.status >= 500) log(err, entry.path)
    const message = `File '${entry.path}' of version ${src.version.version_id.slice(7, 19)} could not be read from the object store: ${err?.message ?? 'its bytes do not match'}`
    return { ...frame, error: { error_code: err instanceof ApiError ? err.code : 'INTERNAL_ERROR', message } }
  }
  let changed: ChangedFile
  try {
    const now = await src.datastore.stat(src.keyOf(entry.path))
    if (!now) changed = { path: entry.path, problem: 'missing', expected_size: entry.size }
    else if (now.size !== entry.size) changed = { path: entry.path, problem: 'size', expected_size: entry.size, actual_size: now.size }
    else changed = { path: entry.path, problem: 'content', expected_size: entry.size, actual_size: now.size }
  } catch (statErr) {
    log(statErr, entry.path)
    changed = { path: entry.path, problem: 'content', expected_size: entry.size }
  }
  // A read error that is not about the file changing (permissions, I/O) is the server's problem.
  if (err && !(err instanceof ApiError) && changed.problem === 'content') {
    log(err, entry.path)
    return { ...frame, error: { error_code: 'INTERNAL_ERROR', message: `File '${entry.path}' could not be read from the datastore: ${err.message}` } }
  }
  return { ...frame, error: new FilesChangedError(src.dataset.name, src.version.version_id, [changed]).toBody() }
}

/**
 * Sends one large file: the header once its first verified bytes are ready, then the bytes as the
 * receiver takes them. A file refused before any byte left is a plain `error` frame; one that fails
 * later is padded with zeros to its announced size and followed by an `error` frame for its path.
 */
async function streamLarge(src: FrameSource, entry: ManifestEntry, out: FrameSink, log: (err: unknown, path: string) => void): Promise<void> {
  const mismatch = () => new FilesChangedError(src.dataset.name, src.version.version_id, [{ path: entry.path, problem: 'content', expected_size: entry.size }])
  let body: Readable
  try {
    if (src.datastore) {
      const key = src.keyOf(entry.path)
      const now = await src.datastore.stat(key)
      if (!now || now.size !== entry.size) return void (await out.write(line(await refusal(src, entry, undefined, log))))
      // A moved marker alone is no verdict: the hash of the bytes sent decides.
      body = pipeline(await src.datastore.open(key), new VerifyingStream(entry.oid, entry.size, mismatch), () => {})
    } else {
      body = await src.objects.get(entry.oid)
    }
  } catch (err) {
    return void (await out.write(line(await refusal(src, entry, err as Error, log))))
  }
  let sent = 0
  let failure: unknown
  try {
    for await (const chunk of body) {
      if (sent === 0) await out.write(line(headerOf(entry)))
      sent += (chunk as Buffer).length
      await out.write(chunk as Buffer)
    }
  } catch (err) {
    if (err instanceof ReceiverGoneError) throw err
    failure = err
  } finally {
    body.destroy()
  }
  if (failure === undefined && sent === entry.size) return
  const error = failure instanceof ApiError ? failure : mismatch()
  if (!(failure instanceof ApiError) || failure.status >= 500) log(failure, entry.path)
  if (sent === 0) return void (await out.write(line({ path: entry.path, size: entry.size, oid: entry.oid, error: error.toBody() })))
  for (let left = entry.size - sent; left > 0; left -= ZEROS.length) await out.write(left >= ZEROS.length ? ZEROS : ZEROS.subarray(0, left))
  await out.write(line({ path: entry.path, size: entry.size, oid: entry.oid, error: error.toBody() }))
}

/** The receiver went away; nothing more is sent. */
export class ReceiverGoneError extends Error {
  constructor() {
    super('The client closed the connection')
  }
}

function headerOf(e: ManifestEntry): ReadFilesFrame {
  return { path: e.path, size: e.size, oid: e.oid }
}

function line(value: object): Buffer {
  return Buffer.from(`${JSON.stringify(value)}\n`)
}
