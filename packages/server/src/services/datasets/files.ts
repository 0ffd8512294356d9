import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream'
import {
  DATASET_LIMITS,
  InvalidParameterError,
  NotFoundError,
  toInt,
  type ChangedFile,
  type DatasetFile,
  type DatasetRequestOf,
  type VerifyResult,
} from '@railyard/api'
import type { DatasetRow } from '../../store/datasets-repo.js'
import type { DatasetVersionRow } from '../../store/dataset-versions-repo.js'
import type { ObjectStore } from '../../objects/object-store.js'
import type { DatasetManifests } from '../../objects/dataset-manifests.js'
import { InvalidManifestError, compareUtf8, seekOffset, type LocatedEntry, type ManifestEntry } from '../../objects/manifest.js'
import { decodePageToken, encodePageToken } from '../page-token.js'
import { pageSize } from '../validation.js'
import { FilesChangedError } from './changed-files.js'
import type { DataSource } from './data-source.js'
import { writeFileFrames, type FrameSink, type Wanted } from './file-frames.js'
import type { DatastoresService } from './datastores.js'
import { limiter } from './limiter.js'
import { VerifyingStream } from '../../objects/verifying-stream.js'

const VERIFY_CONCURRENCY = 16
const VERIFY_BATCH = 1000
const CHANGED_LISTED = 1000

/** An opened file of a version: its manifest entry and its verified bytes. */
export interface OpenedFile {
  entry: ManifestEntry
  body: Readable
}

/** A prepared `readDatasetFiles`: the version and its source are known, nothing is sent yet. */
export interface FramesJob {
  /** Writes the frames and the trailer; returns the files reported. `log` hears server-side faults. */
  run(out: FrameSink, log: (err: unknown, path: string) => void): Promise<number>
}

/**
 * Reading versions: pages of files, the whole manifest as a stream, one file's bytes, many files'
 * bytes in one framed stream, and checks
 * that an unpinned version's files are still what it recorded.
 */
export class DatasetFiles {
  constructor(
    private readonly datastores: DatastoresService,
    private readonly objects: ObjectStore,
    private readonly manifests: DatasetManifests,
  ) {}

  async list(version: DatasetVersionRow, req: DatasetRequestOf<'listDatasetFiles'>): Promise<{ files: DatasetFile[]; next_page_token?: string }> {
    const size = pageSize(toInt(req.max_results), DATASET_LIMITS.filesDefault, DATASET_LIMITS.filesMax)
    const prefix = req.prefix ?? ''
    const start = decodePageToken(req.page_token)
    const files: DatasetFile[] = []
    let next: number | undefined
    try {
      const entries =
        start > 0
          ? this.manifests.entries(version.version_id, start)
          : prefix
            ? this.manifests.entriesFrom(version.version_id, version.index_oid, prefix)
            : this.manifests.entries(version.version_id)
      for await (const { entry, offset } of entries) {
        if (prefix && !entry.path.startsWith(prefix)) {
          // Sorted by bytes: once past the prefix, no later path has it.
          if (compareUtf8(entry.path, prefix) > 0) break
          continue
        }
        if (files.length === size) {
          next = offset
          break
        }
        files.push(entry)
      }
    } catch (err) {
      if (err instanceof InvalidManifestError && start > 0) throw new InvalidParameterError(`Invalid page token '${req.page_token}'`)
      throw err
    }
    return { files, next_page_token: next === undefined ? undefined : encodePageToken(next) }
  }

  /** The manifest bytes as stored (header line, then one file per line), verified while streamed. */
  manifest(version: DatasetVersionRow): Promise<Readable> {
    return this.manifests.stream(version.version_id)
  }

  async entry(dataset: DatasetRow, version: DatasetVersionRow, path: string): Promise<ManifestEntry> {
    const entry = await this.manifests.find(version.version_id, version.index_oid, path)
    if (!entry) throw new NotFoundError(`File '${path}' is not in version ${version.version_id.slice(7, 19)} of dataset '${dataset.name}'`)
    return entry
  }

  /**
   * One file's bytes. Pinned versions read from the object store. Others read from the datastore
   * after a check (missing, other size, or a moved marker whose content hashes differently is a
   * FilesChangedError naming the file), and are hashed while they stream.
   */
  async open(dataset: DatasetRow, version: DatasetVersionRow, path: string): Promise<OpenedFile> {
    const entry = await this.entry(dataset, version, path)
    if (version.pinned) return { entry, body: await this.objects.get(entry.oid) }
    const source = await this.source(dataset)
    const key = keyOf(dataset, entry.path)
    const changed = await checkFile(source, key, entry, false)
    if (changed) throw new FilesChangedError(dataset.name, version.version_id, [changed])
    const mismatch = () => new FilesChangedError(dataset.name, version.version_id, [{ path: entry.path, problem: 'content', expected_size: entry.size }])
    const body = pipeline(await source.open(key), new VerifyingStream(entry.oid, entry.size, mismatch), () => {})
    return { entry, body }
  }

  /**
   * Many files' bytes as `readDatasetFiles` frames. Bad input and an unreachable datastore fail
   * here, before anything is sent.
   */
  async readMany(dataset: DatasetRow, version: DatasetVersionRow, req: DatasetRequestOf<'readDatasetFiles'>): Promise<FramesJob> {
    if (req.paths && req.paths.length > DATASET_LIMITS.readFilesMax) {
      throw new InvalidParameterError(`At most ${DATASET_LIMITS.readFilesMax} paths per request, got ${req.paths.length}`)
    }
    const datastore = version.pinned ? undefined : await this.source(dataset)
    const src = { dataset, version, objects: this.objects, datastore, keyOf: (p: string) => keyOf(dataset, p) }
    const wanted = req.paths ? this.named(version, req.paths, req) : this.range(version, req)
    return { run: (out, log) => writeFileFrames(src, wanted, out, log) }
  }

  /** Entries after `after` that start with `prefix`, in path order. */
  private async *range(version: DatasetVersionRow, req: { prefix?: string; after?: string }): AsyncGenerator<Wanted> {
    const prefix = req.prefix ?? ''
    const after = req.after
    const from = after !== undefined && compareUtf8(after, prefix) > 0 ? after : prefix
    const entries = from ? this.manifests.entriesFrom(version.version_id, version.index_oid, from) : this.manifests.entries(version.version_id)
    for await (const { entry } of entries) {
      if (after !== undefined && compareUtf8(entry.path, after) <= 0) continue
      if (prefix && !entry.path.startsWith(prefix)) {
        if (compareUtf8(entry.path, prefix) > 0) break
        continue
      }
      yield entry
    }
  }

  /**
   * The named paths (sorted, once each, after `after`, with `prefix`) as entries, or as absent. One
   * pass over the manifest, jumping ahead through its index where the next path is far away, so a
   * few paths of a million-file version read a few index strides, not the whole manifest.
   */
  private async *named(version: DatasetVersionRow, paths: string[], req: { prefix?: string; after?: string }): AsyncGenerator<Wanted> {
    const wanted = [...new Set(paths)]
      .filter((p) => (req.after === undefined || compareUtf8(p, req.after) > 0) && (!req.prefix || p.startsWith(req.prefix)))
      .sort(compareUtf8)
    if (!wanted.length) return
    const index = await this.manifests.index(version.index_oid)
    let entries: AsyncGenerator<LocatedEntry> | undefined
    let at: LocatedEntry | undefined
    try {
      for (const path of wanted) {
        if (!entries || (at && compareUtf8(at.entry.path, path) < 0 && seekOffset(index, path) > at.offset)) {
          await entries?.return(undefined)
          entries = this.manifests.entriesFrom(version.version_id, version.index_oid, path)
          at = (await entries.next()).value || undefined
        }
        while (at && compareUtf8(at.entry.path, path) < 0) at = (await entries.next()).value || undefined
        yield at?.entry.path === path ? at.entry : { path, absent: true }
      }
    } finally {
      await entries?.return(undefined)
    }
  }

  /**
   * Checks every file: by size and marker (re-hashing only files whose marker moved), or with
   * `deep` by re-hashing all. Pinned versions check their objects instead.
   */
  async verify(dataset: DatasetRow, version: DatasetVersionRow, deep: boolean): Promise<VerifyResult> {
    const changed: ChangedFile[] = []
    let count = 0
    let checked = 0
    const limit = limiter(VERIFY_CONCURRENCY)
    const source = version.pinned ? undefined : await this.source(dataset)
    let batch: ManifestEntry[] = []
    const flush = async () => {
      const results = await Promise.all(
        batch.map((entry) => limit(() => (source ? checkFile(source, keyOf(dataset, entry.path), entry, deep) : this.checkObject(entry, deep)))),
      )
      for (const r of results) {
        if (!r) continue
        count++
        if (changed.length < CHANGED_LISTED) changed.push(r)
      }
      checked += batch.length
      batch = []
    }
    for await (const { entry } of this.manifests.entries(version.version_id)) {
      batch.push(entry)
      if (batch.length >= VERIFY_BATCH) await flush()
    }
    await flush()
    return { ok: count === 0, checked, changed, changed_count: count }
  }

  private async checkObject(entry: ManifestEntry, deep: boolean): Promise<ChangedFile | undefined> {
    if (!(await this.objects.has(entry.oid))) return { path: entry.path, problem: 'missing', expected_size: entry.size }
    if (!deep) return undefined
    try {
      for await (const _ of await this.objects.get(entry.oid)) {
        // reading verifies
      }
      return undefined
    } catch {
      return { path: entry.path, problem: 'content', expected_size: entry.size }
    }
  }

  private async source(dataset: DatasetRow): Promise<DataSource> {
    return this.datastores.open(await this.datastores.rowById(dataset.datastore_id!))
  }
}

export function keyOf(dataset: DatasetRow, path: string): string {
  return dataset.path ? `${dataset.path}/${path}` : path
}

/** How a datastore file differs from its manifest entry, or undefined when it still matches. */
async function checkFile(source: DataSource, key: string, entry: ManifestEntry, deep: boolean): Promise<ChangedFile | undefined> {
  const now = await source.stat(key)
  if (!now) return { path: entry.path, problem: 'missing', expected_size: entry.size }
  if (now.size !== entry.size) return { path: entry.path, problem: 'size', expected_size: entry.size, actual_size: now.size }
  if (now.marker === entry.marker && !deep) return undefined
  // The marker moved (a touch, a copy of the same bytes) or a deep check: only the content decides.
  try {
    const { oid } = await source.hash(now, false)
    return oid === entry.oid ? undefined : { path: entry.path, problem: 'content', expected_size: entry.size, actual_size: now.size }
  } catch {
    return { path: entry.path, problem: 'content', expected_size: entry.size }
  }
}
