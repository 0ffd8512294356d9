import path from 'node:path'
import type { Readable } from 'node:stream'
import type {
  DatasetDiff,
  DatasetRequestOf,
  DatasetVersion,
  VerifyResult,
} from '@railyard/api'
import type { Store } from '../../store/store.js'
import type { ObjectStore } from '../../objects/object-store.js'
import { DatasetManifests } from '../../objects/dataset-manifests.js'
import type { ExperimentsService } from '../experiments.js'
import type { RunsService } from '../runs.js'
import { DatastoresService } from './datastores.js'
import { DatasetDefinitions } from './definitions.js'
import { DatasetDiffs } from './diff.js'
import { DatasetFiles, type FramesJob, type OpenedFile } from './files.js'
import { DatasetFreezes, type Actor } from './freezes.js'
import { SecretBox } from './secret-box.js'
import { SnapshotEngine, type SnapshotJob } from './snapshot.js'
import { DatasetVersions, versionToWire } from './versions.js'
import type { DatasetVersionRow } from '../../store/dataset-versions-repo.js'

export interface DatasetServiceOptions {
  /** Where datastore credentials named by environment variable are looked up. Default: process.env. */
  env?: NodeJS.ProcessEnv
  /** Key for credentials stored encrypted. Default: RAILYARD_SECRET_KEY from `env`. */
  secretKey?: string
  /** Folders local datastores must lie in. Default: RAILYARD_LOCAL_DATASTORE_ROOTS from `env` (PATH-style list), else anywhere. */
  localRoots?: string[]
}

/**
 * Data versioning: datastores, dataset definitions, versions (snapshots, files, diffs, verified
 * reads) and experiment freezes. Versions live as manifest objects in the shared object store;
 * the database keeps their counts and sizes. Routes call one method here per request.
 */
export class DatasetServices {
  readonly datastores: DatastoresService
  readonly definitions: DatasetDefinitions
  readonly versions: DatasetVersions
  readonly snapshots: SnapshotEngine
  readonly files: DatasetFiles
  readonly diffs: DatasetDiffs
  readonly freezes: DatasetFreezes
  readonly manifests: DatasetManifests

  constructor(
    store: Store,
    deps: { runs: RunsService; experiments: ExperimentsService; objects: ObjectStore },
    opts: DatasetServiceOptions = {},
  ) {
    const env = opts.env ?? process.env
    const box = new SecretBox(opts.secretKey ?? env.RAILYARD_SECRET_KEY)
    this.manifests = new DatasetManifests(deps.objects)
    const roots = opts.localRoots ?? env.RAILYARD_LOCAL_DATASTORE_ROOTS?.split(path.delimiter).filter(Boolean)
    this.datastores = new DatastoresService(store, box, env, roots)
    this.definitions = new DatasetDefinitions(store, this.datastores, env)
    this.versions = new DatasetVersions(store)
    this.snapshots = new SnapshotEngine(store, this.datastores, deps.objects, this.manifests, env)
    this.files = new DatasetFiles(this.datastores, deps.objects, this.manifests)
    this.diffs = new DatasetDiffs(this.manifests)
    this.freezes = new DatasetFreezes(store, {
      experiments: deps.experiments,
      runs: deps.runs,
      definitions: this.definitions,
      datastores: this.datastores,
      versions: this.versions,
      snapshots: this.snapshots,
    })
  }

  /** Checks the dataset and its datastore; the returned job takes the snapshot. */
  async prepareSnapshot(req: DatasetRequestOf<'snapshotDataset'>, who: string): Promise<SnapshotJob> {
    const dataset = await this.definitions.row(req.name)
    return this.snapshots.prepare(dataset, { pin: req.pin, rehash: req.rehash, message: req.message, tags: req.tags, who })
  }

  async getVersion(req: DatasetRequestOf<'getDatasetVersion'>): Promise<DatasetVersion> {
    const { dataset, version } = await this.version(req.name, req.version)
    return versionToWire(dataset.name, version)
  }

  async listVersions(req: DatasetRequestOf<'listDatasetVersions'>) {
    return this.versions.list(await this.definitions.row(req.name), req)
  }

  async diff(req: DatasetRequestOf<'diffDatasetVersions'>): Promise<DatasetDiff> {
    const dataset = await this.definitions.row(req.name)
    const from = await this.versions.resolve(dataset, req.from)
    const to = await this.versions.resolve(dataset, req.to)
    return this.diffs.diff(from, to, req)
  }

  async listFiles(req: DatasetRequestOf<'listDatasetFiles'>) {
    const { version } = await this.version(req.name, req.version)
    return this.files.list(version, req)
  }

  async manifest(req: DatasetRequestOf<'streamDatasetFiles'>): Promise<{ version: DatasetVersionRow; body: Readable }> {
    const { version } = await this.version(req.name, req.version)
    return { version, body: await this.files.manifest(version) }
  }

  async openFile(req: DatasetRequestOf<'readDatasetFile'>): Promise<OpenedFile> {
    const { dataset, version } = await this.version(req.name, req.version)
    return this.files.open(dataset, version, req.path)
  }

  /** Many files' bytes as `readDatasetFiles` frames; errors before the first byte are thrown here. */
  async readFiles(req: DatasetRequestOf<'readDatasetFiles'>): Promise<FramesJob> {
    const { dataset, version } = await this.version(req.name, req.version)
    return this.files.readMany(dataset, version, req)
  }

  async verify(req: DatasetRequestOf<'verifyDatasetVersion'>): Promise<VerifyResult> {
    const { dataset, version } = await this.version(req.name, req.version)
    return this.files.verify(dataset, version, !!req.deep)
  }

  resolve(req: DatasetRequestOf<'resolveDataset'>, actor: Actor) {
    return this.freezes.resolve(req, actor)
  }

  refresh(req: DatasetRequestOf<'refreshDatasetFreeze'>, actor: Actor) {
    return this.freezes.refresh(req, actor)
  }

  close(): void {
    this.datastores.close()
  }

  private async version(name: string, ref: string) {
    const dataset = await this.definitions.row(name)
    return { dataset, version: await this.versions.resolve(dataset, ref) }
  }
}
