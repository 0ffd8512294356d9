import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ApiError, InvalidParameterError, type DatasetVersion, type Tag, type TableSource } from '@railyard/api'
import { algorithmForSize } from '@railyard/content-id'
import type { Store } from '../../store/store.js'
import type { DatasetRow, DatastoreRow } from '../../store/datasets-repo.js'
import type { DatasetVersionRow } from '../../store/dataset-versions-repo.js'
import type { ObjectStore } from '../../objects/object-store.js'
import type { DatasetManifests } from '../../objects/dataset-manifests.js'
import { ManifestWriter, type BuiltManifest } from '../../objects/manifest.js'
import { monotonicNow } from './clock.js'
import type { DatastoresService } from './datastores.js'
import { asInputError } from './datastores.js'
import { selectionOfRow, tableOf } from './definitions.js'
import { Progress, type ProgressListener } from './progress.js'
import { UnsortedListingError, batchesOf, hashSelection, listSelection, selectBatches } from './snapshot-files.js'
import { tableRows } from './table-source.js'
import { versionToWire } from './versions.js'

export interface SnapshotOptions {
  pin?: boolean
  /** Hash every file again instead of trusting the stat cache (see HashOptions.rehash). */
  rehash?: boolean
  message?: string
  tags?: Tag[]
  who?: string
}

export interface SnapshotResult {
  version: DatasetVersion
  row: DatasetVersionRow
  reused: boolean
}

/** A snapshot whose up-front checks passed; `run` does the work. */
export interface SnapshotJob {
  run(listener?: ProgressListener): Promise<SnapshotResult>
}

/** The file a table version holds. */
export const TABLE_FILE = 'rows.jsonl'

/**
 * Takes dataset versions. The version row is written last, after the manifest object is stored,
 * so a failed snapshot leaves no version; objects it created are removed again unless another
 * version uses them.
 */
export class SnapshotEngine {
  constructor(
    private readonly store: Store,
    private readonly datastores: DatastoresService,
    private readonly objects: ObjectStore,
    private readonly manifests: DatasetManifests,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /**
   * Checks what can be checked before any work (the datastore answers, accepts the credentials
   * and has files under the dataset's folder), so those failures are plain error responses.
   */
  async prepare(dataset: DatasetRow, opts: SnapshotOptions): Promise<SnapshotJob> {
    if (dataset.type === 'table') {
      const table = tableOf(dataset)!
      return { run: (listener) => this.runTable(dataset, table, opts, new Progress(listener)) }
    }
    const datastore = await this.datastores.rowById(dataset.datastore_id!)
    await this.datastores.probe(datastore, dataset.path)
    return { run: (listener) => this.runFiles(dataset, datastore, opts, new Progress(listener)) }
  }

  private async runFiles(dataset: DatasetRow, datastore: DatastoreRow, opts: SnapshotOptions, progress: Progress): Promise<SnapshotResult> {
    const source = await this.datastores.open(datastore)
    const selection = selectionOfRow(dataset)
    const hashing = opts.pin ? 'pinning' : 'hashing'
    const hashOpts = { datastoreId: datastore.datastore_id, pin: !!opts.pin, rehash: !!opts.rehash, objects: this.objects }
    const cache = this.store.datasets.statCache
    const listed = (files: number) => {
      if (files === 0) throw noFiles(dataset, datastore)
      progress.enter(hashing)
    }
    progress.enter('listing')
    let writer = ManifestWriter.create()
    try {
      try {
        // Listing and hashing at once: the phase stays 'listing' (totals still growing) until the listing ends.
        await hashSelection(source, asInputErrors(datastore, selectBatches(source, selection, progress, listed)), cache, writer, hashOpts, progress)
      } catch (err) {
        if (!(err instanceof UnsortedListingError)) throw err
        // This datastore lists out of path order: list it whole and sort, as before streaming. The
        // files hashed so far are in the stat cache now, so they are not read again.
        await writer.discard()
        writer = ManifestWriter.create()
        Object.assign(progress, { files_done: 0, files_total: 0, bytes_done: 0, bytes_total: 0, files_cached: undefined })
        progress.enter('listing')
        const files = await listSelection(source, selection, progress).catch((e) => Promise.reject(asInputError(datastore.name, e)))
        listed(files.length)
        await hashSelection(source, batchesOf(files), cache, writer, hashOpts, progress)
      }
      const built = await writer.finish()
      progress.enter('writing')
      return await this.record(dataset, built, opts, {})
    } finally {
      await writer.discard()
    }
  }

  private async runTable(dataset: DatasetRow, table: TableSource, opts: SnapshotOptions, progress: Progress): Promise<SnapshotResult> {
    progress.enter('hashing')
    progress.files_total = 1
    const file = path.join(os.tmpdir(), `railyard-table-${process.pid}-${monotonicNow()}.jsonl`)
    const writer = ManifestWriter.create()
    try {
      const { size, rows } = await writeRows(tableRows(table, this.env), file, progress)
      // Named like any dataset file of its size (SHA-256, or BLAKE3 over 1 MiB); putFrom hashes it.
      const { oid } = await this.objects.putFrom(async () => fs.createReadStream(file), algorithmForSize(size))
      await writer.add({ path: TABLE_FILE, size, oid, marker: `rows:${rows}` })
      progress.files_done = 1
      const built = await writer.finish()
      progress.enter('writing')
      return await this.record(dataset, built, { ...opts, pin: true }, { row_count: rows, table_digest: oid })
    } finally {
      await writer.discard()
      await fs.promises.rm(file, { force: true })
    }
  }

  private async record(
    dataset: DatasetRow,
    built: BuiltManifest,
    opts: SnapshotOptions,
    table: { row_count?: number; table_digest?: string },
  ): Promise<SnapshotResult> {
    const { indexOid, created } = await this.manifests.store(built)
    const now = monotonicNow()
    try {
      const { row, reused } = await this.store.datasets.versions.record({
        dataset_id: dataset.dataset_id,
        version_id: built.oid,
        file_count: built.count,
        total_bytes: built.totalBytes,
        manifest_bytes: built.size,
        index_oid: indexOid,
        pinned: opts.pin ? 1 : 0,
        row_count: table.row_count ?? null,
        table_digest: table.table_digest ?? null,
        message: opts.message ?? null,
        tags: JSON.stringify(opts.tags ?? []),
        created_by: opts.who ?? null,
        creation_timestamp: now,
        last_taken_timestamp: now,
      })
      return { version: versionToWire(dataset.name, row), row, reused }
    } catch (err) {
      if (!(await this.store.datasets.versions.isUsed(built.oid).catch(() => true))) await this.manifests.remove(created)
      throw err
    }
  }
}

function noFiles(dataset: DatasetRow, datastore: DatastoreRow): InvalidParameterError {
  const what = dataset.glob ? `glob '${dataset.glob}'` : `folder '${dataset.path || '/'}'`
  const filters = dataset.include !== '[]' || dataset.exclude !== '[]' ? ' with its include/exclude patterns' : ''
  return new InvalidParameterError(`Dataset '${dataset.name}' selects no files: ${what}${filters} matched nothing in datastore '${datastore.name}'${globHint(dataset)}`)
}

/** `*` stops at a slash, which .gitignore users do not expect: say so when a pattern has one without `**`. */
function globHint(dataset: DatasetRow): string {
  const patterns = [dataset.glob ?? '', ...(JSON.parse(dataset.include) as string[])]
  const shallow = patterns.find((p) => p.includes('*') && !p.includes('**'))
  return shallow ? ` ('*' matches within one folder: '**/${shallow.split('/').pop()}' matches at any depth)` : ''
}

/** The listing's batches; a storage failure while listing is the caller's input problem (see asInputError). */
async function* asInputErrors<T>(datastore: DatastoreRow, batches: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* batches
  } catch (err) {
    throw asInputError(datastore.name, err)
  }
}

async function writeRows(batches: AsyncGenerator<{ lines: string[] }>, file: string, progress: Progress) {
  const out = fs.createWriteStream(file, { flags: 'wx' })
  let failed: Error | undefined
  out.on('error', (err) => (failed = err))
  let size = 0
  let rows = 0
  try {
    for await (const batch of batches) {
      if (batch.lines.length === 0) continue
      const chunk = Buffer.from(batch.lines.join(''))
      size += chunk.length
      rows += batch.lines.length
      progress.bytes_done = progress.bytes_total = size
      progress.tick()
      if (failed) throw failed
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()))
    }
  } finally {
    await new Promise<void>((resolve) => out.end(() => resolve()))
  }
  if (failed) throw new ApiError('INTERNAL_ERROR', `Writing table rows failed: ${failed.message}`)
  return { size, rows }
}
