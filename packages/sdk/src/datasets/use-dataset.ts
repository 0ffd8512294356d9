import type { Readable } from 'node:stream'
import type { DatasetFile, DatasetFreeze, DatasetVersion, Datastore, VersionedDataset } from '@railyard/api'
import type { DatasetsClient } from './datasets-client.js'
import type { MaterializeOptions, MaterializeResult } from './materialize.js'

export interface UseDatasetOptions {
  /** Also write the frozen files below this folder (see `materialize`); `localDir` is set then. */
  materializeTo?: string
  /** Options of that materialization (concurrency, progress). */
  materialize?: MaterializeOptions
  /** `mlflow.data.context` of the run input: `training` (default), `evaluation`, … */
  context?: string
  /** On first use in the experiment, freeze this version instead of taking a fresh snapshot. */
  version?: string
  /** On first use, freeze the newest existing version instead of taking a fresh snapshot. */
  reuseLatest?: boolean
  /** Pin the snapshot a first use takes (its bytes are copied into Railyard's object store). */
  pin?: boolean
}

/**
 * A version's files, listed from its manifest each time it is iterated: `for await (const f of
 * ds.files)` keeps memory flat for versions of millions of files; `toArray()` is the list at once.
 */
export class DatasetFileList implements AsyncIterable<DatasetFile> {
  constructor(
    private readonly client: DatasetsClient,
    private readonly dataset: string,
    private readonly versionId: string,
    /** Files in the version. */
    readonly count: number,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<DatasetFile> {
    return this.client.files(this.dataset, this.versionId)
  }

  async toArray(): Promise<DatasetFile[]> {
    const out: DatasetFile[] = []
    for await (const f of this) out.push(f)
    return out
  }

  /** The relative paths, in path order. */
  async paths(): Promise<string[]> {
    const out: string[] = []
    for await (const f of this) out.push(f.path)
    return out
  }
}

/** The version of a dataset a run uses, with helpers to read it. */
export interface UsedDataset {
  name: string
  /** The frozen version's full id (`sha256:…`). */
  versionId: string
  version: DatasetVersion
  freeze: DatasetFreeze
  /** True when this call froze the dataset for the experiment (its first use there). */
  created: boolean
  dataset: VersionedDataset
  /** Where the files live; absent for table datasets. */
  datastore?: Datastore
  files: DatasetFileList
  /** Set when `materializeTo` was given: the folder holding the files. */
  localDir?: string
  /** One file's bytes, verified (RESOURCE_CONFLICT naming it when it changed since an unpinned version). */
  readFile(path: string): Promise<Buffer>
  openFile(path: string): Promise<Readable>
  /** Writes every frozen file below `dir` (skipping those already there with the same hash). */
  materialize(dir: string, opts?: MaterializeOptions): Promise<MaterializeResult>
}

/**
 * Resolves the version of `name` frozen for the run's experiment (freezing one on the first use in
 * the experiment) and records it as the run's input, which the server does when given the run id.
 */
export async function useDataset(
  datasets: DatasetsClient,
  run: { runId: string; experimentId: string },
  name: string,
  opts: UseDatasetOptions = {},
): Promise<UsedDataset> {
  const [resolved, dataset] = await Promise.all([
    datasets.resolve(run.experimentId, name, {
      runId: run.runId,
      version: opts.version,
      reuseLatest: opts.reuseLatest,
      pin: opts.pin,
      context: opts.context ?? 'training',
    }),
    datasets.get(name),
  ])
  const { freeze } = resolved
  const version = freeze.version
  const datastore = dataset.datastore ? await datasets.getDatastore(dataset.datastore) : undefined
  const used: UsedDataset = {
    name,
    versionId: version.id,
    version,
    freeze,
    created: resolved.created,
    dataset,
    datastore,
    files: new DatasetFileList(datasets, name, version.id, version.file_count),
    readFile: (path) => datasets.readFile(name, version.id, path),
    openFile: (path) => datasets.openFile(name, version.id, path),
    materialize: (dir, mopts) => datasets.materialize(name, version.id, dir, mopts),
  }
  if (opts.materializeTo !== undefined) {
    used.localDir = (await used.materialize(opts.materializeTo, opts.materialize)).dir
  }
  return used
}
