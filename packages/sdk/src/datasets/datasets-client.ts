import type { Readable } from 'node:stream'
import {
  DATASET_PREFIXES,
  READ_FILES_CONTENT_TYPE,
  datasetEndpoints,
  type DatasetDiff,
  type DatasetEndpoints,
  type DatasetFile,
  type DatasetFreeze,
  type DatasetRequestOf,
  type DatasetVersion,
  type Datastore,
  type FreezeEvent,
  type ResolveDatasetResponse,
  type SnapshotResponse,
  type Tag,
  type VerifyResult,
  type VersionedDataset,
} from '@railyard/api'
import { queryString, type Transport } from '../http.js'
import type { Page } from '../responses.js'
import { allPages } from '../all-pages.js'
import type { DatasetResponses } from './responses.js'
import { readSnapshotStream, type SnapshotProgress } from './snapshot-stream.js'
import { streamManifest, type ManifestHead } from './manifest-stream.js'
import { downloadVerifiedFile, openVerifiedFile, readVerifiedFile } from './verified-file.js'
import { materialize, type MaterializeOptions, type MaterializeResult } from './materialize.js'
import { spoolFiles } from './manifest-spool.js'

const PREFIX = DATASET_PREFIXES[0]

export interface PageOptions {
  maxResults?: number
  pageToken?: string
}

export interface SnapshotOptions {
  /** Copy the contents into Railyard's object store, so reads never depend on the datastore again. */
  pin?: boolean
  /**
   * Read and hash every file instead of trusting the server's stat cache: for files whose bytes
   * changed while their size and time did not (a copy that kept the time).
   */
  rehash?: boolean
  message?: string
  tags?: Record<string, string>
  /** Progress lines of the server as they arrive (listing, hashing, pinning, writing, done). */
  onProgress?: SnapshotProgress
}

export interface ResolveOptions {
  /** Log the version as this run's input (MLflow log-inputs). */
  runId?: string
  /** Freeze this version on first use instead of the newest data. */
  version?: string
  /** On first use, reuse the newest existing version instead of taking a fresh snapshot. */
  reuseLatest?: boolean
  /** Pin the snapshot a first use takes. */
  pin?: boolean
  /** `mlflow.data.context` of the run input: `training`, `evaluation`, … */
  context?: string
}

/**
 * Railyard's data versioning: datastores (where data lives), datasets (a selection of files in a
 * datastore, or a SQL query), versions (immutable snapshots named by the hash of their manifest),
 * and the freezes that pin an experiment to one version per dataset.
 *
 * A version is named by its full id (`sha256:…`), its hex digits, a unique prefix of at least 8 of
 * them, or `latest`. Errors are the @railyard/api classes: an unknown datastore, dataset, version
 * or file is NotFoundError; a taken name AlreadyExistsError; bad input, an unreachable datastore,
 * rejected credentials or a selection matching no file InvalidParameterError; a file that changed
 * since an unpinned version was taken an ApiError with code RESOURCE_CONFLICT naming it; an
 * unreachable server ConnectionError.
 */
export class DatasetsClient {
  constructor(private readonly transport: Transport) {}

  /** Any data versioning endpoint that answers JSON, by name. */
  call<K extends keyof DatasetEndpoints>(name: K, request: DatasetRequestOf<K>): Promise<DatasetResponses[K]> {
    const ep = datasetEndpoints[name]
    const path = PREFIX + ep.path
    // Writes carry the client's X-Railyard-User, so the audit of freezes says who moved them.
    return this.transport.json(ep.method, path, request)
  }

  // ---- datastores ----

  /** Registers a datastore; unless `verify` is false the server lists it once first. */
  async createDatastore(req: DatasetRequestOf<'createDatastore'>): Promise<Datastore> {
    return (await this.call('createDatastore', req)).datastore
  }

  async getDatastore(name: string): Promise<Datastore> {
    return (await this.call('getDatastore', { name })).datastore
  }

  async listDatastores(opts: PageOptions = {}): Promise<Page<Datastore>> {
    const res = await this.call('listDatastores', pageOf(opts))
    return { items: res.datastores ?? [], nextPageToken: res.next_page_token }
  }

  allDatastores(): AsyncGenerator<Datastore> {
    return allPages((pageToken) => this.listDatastores({ pageToken }))
  }

  /** Refused (RESOURCE_CONFLICT) while datasets use it. */
  async deleteDatastore(name: string): Promise<void> {
    await this.call('deleteDatastore', { name })
  }

  // ---- datasets ----

  /**
   * Deletes a dataset and its versions; refused (RESOURCE_CONFLICT) once an experiment was frozen
   * on it or a run logged one of its versions as an input.
   */
  async delete(name: string): Promise<void> {
    await this.call('deleteDataset', { name })
  }

  /** A files dataset (`datastore` + `path` and/or `glob`) or a table dataset (`table`). */
  async create(req: Omit<DatasetRequestOf<'createDataset'>, 'tags'> & { tags?: Record<string, string> }): Promise<VersionedDataset> {
    return (await this.call('createDataset', { ...req, tags: toTags(req.tags) })).dataset
  }

  /** The dataset with its latest version. */
  async get(name: string): Promise<VersionedDataset> {
    return (await this.call('getDataset', { name })).dataset
  }

  async list(opts: PageOptions & { datastore?: string } = {}): Promise<Page<VersionedDataset>> {
    const res = await this.call('listDatasets', { datastore: opts.datastore, ...pageOf(opts) })
    return { items: res.datasets ?? [], nextPageToken: res.next_page_token }
  }

  all(opts: { datastore?: string } = {}): AsyncGenerator<VersionedDataset> {
    return allPages((pageToken) => this.list({ ...opts, pageToken }))
  }

  // ---- versions ----

  /**
   * Takes a version of the dataset's current files and returns it (`reused` when identical files
   * already had one). Progress comes as the server works; a failed snapshot stores nothing.
   */
  snapshot(name: string, opts: SnapshotOptions = {}): Promise<SnapshotResponse> {
    const body = { name, pin: opts.pin, rehash: opts.rehash, message: opts.message, tags: toTags(opts.tags) }
    return readSnapshotStream(this.transport, PREFIX + datasetEndpoints.snapshotDataset.path, body, opts.onProgress)
  }

  async getVersion(name: string, version: string): Promise<DatasetVersion> {
    return (await this.call('getDatasetVersion', { name, version })).version
  }

  /** Newest first. */
  async listVersions(name: string, opts: PageOptions = {}): Promise<Page<DatasetVersion>> {
    const res = await this.call('listDatasetVersions', { name, ...pageOf(opts) })
    return { items: res.versions ?? [], nextPageToken: res.next_page_token }
  }

  allVersions(name: string): AsyncGenerator<DatasetVersion> {
    return allPages((pageToken) => this.listVersions(name, { pageToken }))
  }

  /** One page of the files added, removed and modified from `from` to `to`, with a summary of the whole diff. */
  diff(name: string, from: string, to: string, opts: PageOptions = {}): Promise<DatasetDiff> {
    return this.call('diffDatasetVersions', { name, from, to, ...pageOf(opts) })
  }

  /** The whole diff, page after page, as one list per kind (the summary is the first page's). */
  async diffAll(name: string, from: string, to: string): Promise<DatasetDiff> {
    const first = await this.diff(name, from, to)
    const all: DatasetDiff = { ...first, added: [...(first.added ?? [])], removed: [...(first.removed ?? [])], modified: [...(first.modified ?? [])] }
    for (let token = first.next_page_token; token; ) {
      const page = await this.diff(name, from, to, { pageToken: token })
      all.added!.push(...(page.added ?? []))
      all.removed!.push(...(page.removed ?? []))
      all.modified!.push(...(page.modified ?? []))
      token = page.next_page_token
    }
    delete all.next_page_token
    return all
  }

  /** One page of a version's files in path order, optionally only those under `prefix`. */
  async listFiles(name: string, version: string, opts: PageOptions & { prefix?: string } = {}): Promise<Page<DatasetFile>> {
    const res = await this.call('listDatasetFiles', { name, version, prefix: opts.prefix, ...pageOf(opts) })
    return { items: res.files ?? [], nextPageToken: res.next_page_token }
  }

  /**
   * Every file of a version in path order, streamed from its manifest with flat memory (for
   * versions of millions of files). The manifest's hash is checked against the version id at the
   * end: a corrupted list throws after its last file.
   */
  files(name: string, version: string, onHead?: (head: ManifestHead) => void): AsyncGenerator<DatasetFile> {
    return streamManifest(this.transport, this.fileUrl('streamDatasetFiles', { name, version }), onHead)
  }

  /** One file's bytes as a stream, verified by the server and again here (RESOURCE_CONFLICT when changed). */
  async openFile(name: string, version: string, path: string): Promise<Readable> {
    return (await openVerifiedFile(this.transport, this.fileUrl('readDatasetFile', { name, version, path }), { dataset: name, version, path })).stream
  }

  /** One file's bytes in memory, verified. */
  readFile(name: string, version: string, path: string): Promise<Buffer> {
    return readVerifiedFile(this.transport, this.fileUrl('readDatasetFile', { name, version, path }), { dataset: name, version, path })
  }

  /** Downloads one file to `dest` atomically (temporary name, renamed once verified). Returns its size. */
  downloadFile(name: string, version: string, path: string, dest: string): Promise<number> {
    return downloadVerifiedFile(this.transport, this.fileUrl('readDatasetFile', { name, version, path }), { dataset: name, version, path }, dest)
  }

  /**
   * The raw `readDatasetFiles` body: the version's files (or only `paths`, or those after `after` /
   * with `prefix`) as framed bytes, in path order; see the endpoint in @railyard/api for the frames.
   * The server verifies every file; a caller must still hash the bytes (materialize does).
   * ENDPOINT_NOT_FOUND from servers older than the endpoint.
   */
  async readFiles(name: string, version: string, opts: { paths?: string[]; after?: string; prefix?: string } = {}): Promise<ReadableStream<Uint8Array>> {
    const body = JSON.stringify({ name, version, ...opts })
    const res = await this.transport.send({
      method: 'POST',
      path: PREFIX + datasetEndpoints.readDatasetFiles.path,
      headers: { 'content-type': 'application/json', accept: READ_FILES_CONTENT_TYPE },
      body: () => body,
      timeoutMs: 0,
    })
    return res.body ?? new ReadableStream({ start: (c) => c.close() })
  }

  /** Checks a version's files are still as recorded: size and change marker, or with `deep` their hashes. */
  verify(name: string, version: string, opts: { deep?: boolean } = {}): Promise<VerifyResult> {
    return this.call('verifyDatasetVersion', { name, version, deep: opts.deep })
  }

  /**
   * Writes the version's files below `dir`, each atomic and checked against the file list's content
   * id; files already there with the recorded hash are skipped and not asked for. The missing files
   * come in batches, each as one stream of many files (one request per file from servers without
   * it). The file list is fetched and its hash checked first (kept in a temporary file, so a
   * million-file version costs no memory here). Files that changed or vanished since an unpinned
   * version was taken are reported together at the end, by path.
   */
  async materialize(name: string, version: string, dir: string, opts: MaterializeOptions = {}): Promise<MaterializeResult> {
    const v = await this.getVersion(name, version)
    const list = await spoolFiles(this.files(name, v.id))
    try {
      return await materialize(
        {
          versionId: v.id,
          fileCount: v.file_count,
          totalBytes: v.total_bytes,
          files: list.files(),
          download: (file, dest) =>
            downloadVerifiedFile(this.transport, this.fileUrl('readDatasetFile', { name, version: v.id, path: file.path }), { dataset: name, version: v.id, path: file.path, oid: file.oid }, dest),
          readMany: (paths, after) => this.readFiles(name, v.id, { paths, after }),
        },
        dir,
        opts,
      )
    } finally {
      await list.remove()
    }
  }

  // ---- freezing within an experiment ----

  /**
   * The version `dataset` is frozen at for the experiment; the first use freezes one (the given
   * version, the newest with `reuseLatest`, else a fresh snapshot). With `runId` it is also logged
   * as that run's input.
   */
  resolve(experimentId: string, dataset: string, opts: ResolveOptions = {}): Promise<ResolveDatasetResponse> {
    return this.call('resolveDataset', {
      experiment_id: experimentId,
      dataset,
      run_id: opts.runId,
      version: opts.version,
      reuse_latest: opts.reuseLatest,
      pin: opts.pin,
      context: opts.context,
    })
  }

  /**
   * Moves the experiment's freeze of `dataset` (every frozen dataset when absent) to `version` or a
   * fresh snapshot; the history records who (the local user) and `reason`.
   */
  async refresh(experimentId: string, opts: { dataset?: string; version?: string; reason?: string } = {}): Promise<DatasetFreeze[]> {
    const res = await this.call('refreshDatasetFreeze', { experiment_id: experimentId, ...opts })
    return res.freezes
  }

  /** The experiment's current freezes (of one dataset when given). */
  async freezes(experimentId: string, dataset?: string): Promise<DatasetFreeze[]> {
    return (await this.call('listDatasetFreezes', { experiment_id: experimentId, dataset })).freezes ?? []
  }

  /** Which active experiments are frozen at which version of `dataset` (each with its experiment's name). */
  async freezesOfDataset(dataset: string): Promise<DatasetFreeze[]> {
    return (await this.call('listDatasetFreezes', { dataset })).freezes ?? []
  }

  /** Freezes and refreshes, newest first. */
  async freezeHistory(experimentId: string, opts: PageOptions & { dataset?: string } = {}): Promise<Page<FreezeEvent>> {
    const res = await this.call('getDatasetFreezeHistory', { experiment_id: experimentId, dataset: opts.dataset, ...pageOf(opts) })
    return { items: res.events ?? [], nextPageToken: res.next_page_token }
  }

  private fileUrl(name: 'streamDatasetFiles' | 'readDatasetFile', request: Record<string, string>): string {
    return PREFIX + datasetEndpoints[name].path + queryString(request)
  }
}

function pageOf(opts: PageOptions): { max_results?: number; page_token?: string } {
  return { max_results: opts.maxResults, page_token: opts.pageToken }
}

function toTags(tags: Record<string, string> | undefined): Tag[] | undefined {
  return tags ? Object.entries(tags).map(([key, value]) => ({ key, value: String(value) })) : undefined
}
