import type {
  CodeVersion,
  DatasetFilesChange,
  DatasetRef,
  LineageSnapshot,
  MetricComparison,
  ModelVersion,
  ModelVersionComparison,
  ModelVersionLineage,
  ParamComparison,
  Run,
} from '@railyard/api'
import type { Store } from '../store/store.js'
import type { VersionRow } from '../store/model-versions-repo.js'
import type { ObjectStore } from '../objects/object-store.js'
import { diffTrees, type TreeEntry } from '../objects/tree.js'
import type { ExperimentsService } from './experiments.js'
import type { RunsService } from './runs.js'
import { flavorsOfTree } from './model-flavors.js'

/** The run tags that name the code (MLflow's, which `railyard run` sets too). */
const CODE_TAGS: Record<keyof CodeVersion, string[]> = {
  commit: ['mlflow.source.git.commit'],
  repo_url: ['mlflow.source.git.repoURL', 'mlflow.gitRepoURL'],
  branch: ['mlflow.source.git.branch'],
  source_name: ['mlflow.source.name'],
  source_type: ['mlflow.source.type'],
}

/**
 * Summarizes how two versions of a Railyard dataset differ, or undefined when either is unknown.
 * Supplied by the data-versioning services, which are built after the registry.
 */
export type DatasetDiffer = (dataset: string, fromVersion: string, toVersion: string) => Promise<DatasetFilesChange | undefined>

/**
 * Lineage of model versions: a snapshot of the source run taken at registration (run, experiment,
 * code commit, params, latest metrics, dataset inputs), the view of it, and comparisons of two
 * versions built from those snapshots and the versions' file trees.
 */
export class RegistryLineage {
  constructor(
    private readonly store: Store,
    private readonly runs: RunsService,
    private readonly experiments: ExperimentsService,
    private readonly objects: ObjectStore,
    private readonly now: () => number = Date.now,
  ) {}

  private datasetDiffer?: DatasetDiffer

  /** Lets comparisons say which files changed between the dataset versions two models used. */
  useDatasetDiffer(differ: DatasetDiffer): void {
    this.datasetDiffer = differ
  }

  /** What the run looks like now, kept with the version so later changes to the run do not rewrite it. */
  async capture(runId: string): Promise<LineageSnapshot> {
    const run = await this.runs.get({ run_id: runId })
    const experiment = await this.experiments.get(run.info.experiment_id).catch(() => undefined)
    return {
      captured_at: this.now(),
      run: {
        run_id: run.info.run_id,
        run_name: run.info.run_name,
        experiment_id: run.info.experiment_id,
        experiment_name: experiment?.name,
        status: run.info.status,
        user_id: run.info.user_id || undefined,
        start_time: run.info.start_time,
        end_time: run.info.end_time,
        artifact_uri: run.info.artifact_uri,
      },
      code: codeOf(run),
      params: run.data.params,
      metrics: run.data.metrics,
      // Schemas and profiles can be megabytes; name, digest and source identify the data.
      dataset_inputs: run.inputs.dataset_inputs?.map((d) => ({
        tags: d.tags,
        dataset: { name: d.dataset.name, digest: d.dataset.digest, source_type: d.dataset.source_type, source: d.dataset.source },
      })),
    }
  }

  /** A version registered from another version inherits its lineage and says where it was copied from. */
  inherit(from: VersionRow): LineageSnapshot {
    const parent = parseSnapshot(from)
    return { ...parent, captured_at: this.now(), copied_from: { name: from.name, version: String(from.version) } }
  }

  async lineage(row: VersionRow, version: ModelVersion): Promise<ModelVersionLineage> {
    const snapshot = parseSnapshot(row)
    const runId = snapshot.run?.run_id ?? row.run_id ?? undefined
    const current = runId ? await this.store.runs.getRow(runId) : undefined
    const tree = row.storage_location ? await this.objects.getTree(row.storage_location) : undefined
    return {
      model_version: version,
      tree_oid: row.storage_location ?? undefined,
      flavors: tree ? await flavorsOfTree(this.objects, tree) : undefined,
      ...snapshot,
      run_now: runId
        ? { exists: current !== undefined, lifecycle_stage: current?.lifecycle_stage, status: current?.status, end_time: current?.end_time ?? undefined }
        : undefined,
    }
  }

  /** Differences from a (the base) to b (the candidate). */
  async compare(a: { row: VersionRow; version: ModelVersion }, b: { row: VersionRow; version: ModelVersion }): Promise<ModelVersionComparison> {
    const sa = parseSnapshot(a.row)
    const sb = parseSnapshot(b.row)
    const commitA = sa.code?.commit
    const commitB = sb.code?.commit
    return {
      version_a: a.version,
      version_b: b.version,
      metrics: compareMetrics(sa, sb),
      params: compareParams(sa, sb),
      datasets: await this.withFileChanges(compareDatasets(sa, sb)),
      code: { a: commitA, b: commitB, same: commitA === commitB },
      files: await this.compareFiles(a.row, b.row),
    }
  }

  private async withFileChanges(datasets: ModelVersionComparison['datasets']): Promise<ModelVersionComparison['datasets']> {
    const differ = this.datasetDiffer
    if (!differ || !datasets?.changed?.length) return datasets
    const changed = await Promise.all(
      datasets.changed.map(async (c) => {
        const a = railyardVersion(c.a)
        const b = railyardVersion(c.b)
        if (!a || !b || a.dataset !== b.dataset) return c
        // A version deleted or a dataset renamed since registration leaves the digests to speak alone.
        const files = await differ(a.dataset, a.versionId, b.versionId).catch(() => undefined)
        return files ? { ...c, files } : c
      }),
    )
    return { ...datasets, changed }
  }

  private async compareFiles(a: VersionRow, b: VersionRow): Promise<ModelVersionComparison['files']> {
    if (!a.storage_location || !b.storage_location) return undefined
    const [ta, tb] = await Promise.all([this.objects.getTree(a.storage_location), this.objects.getTree(b.storage_location)])
    const d = diffTrees(ta.entries, tb.entries)
    return {
      added: d.added,
      removed: d.removed,
      changed: d.changed.map((c) => ({ path: c.path, a: c.from as TreeEntry, b: c.to as TreeEntry })),
      unchanged: d.unchanged,
    }
  }
}

export function parseSnapshot(row: VersionRow): LineageSnapshot {
  if (!row.lineage) return { captured_at: Number(row.creation_timestamp) }
  return JSON.parse(row.lineage) as LineageSnapshot
}

function codeOf(run: Run): CodeVersion | undefined {
  const tags = new Map((run.data.tags ?? []).map((t) => [t.key, t.value]))
  const code: CodeVersion = {}
  for (const [field, keys] of Object.entries(CODE_TAGS) as Array<[keyof CodeVersion, string[]]>) {
    const value = keys.map((k) => tags.get(k)).find((v) => v !== undefined && v !== '')
    if (value !== undefined) code[field] = value
  }
  return Object.keys(code).length ? code : undefined
}

function compareMetrics(a: LineageSnapshot, b: LineageSnapshot): MetricComparison[] {
  const va = new Map((a.metrics ?? []).map((m) => [m.key, m.value]))
  const vb = new Map((b.metrics ?? []).map((m) => [m.key, m.value]))
  const keys = [...new Set([...va.keys(), ...vb.keys()])].sort()
  return keys.map((key) => {
    const x = va.get(key)
    const y = vb.get(key)
    const delta = typeof x === 'number' && typeof y === 'number' ? y - x : undefined
    return { key, a: x, b: y, delta }
  })
}

function compareParams(a: LineageSnapshot, b: LineageSnapshot): ModelVersionComparison['params'] {
  const pa = new Map((a.params ?? []).map((p) => [p.key, p.value]))
  const pb = new Map((b.params ?? []).map((p) => [p.key, p.value]))
  const changed: ParamComparison[] = []
  const added: ParamComparison[] = []
  const removed: ParamComparison[] = []
  let unchanged = 0
  for (const key of [...new Set([...pa.keys(), ...pb.keys()])].sort()) {
    const x = pa.get(key)
    const y = pb.get(key)
    if (x === undefined) added.push({ key, b: y })
    else if (y === undefined) removed.push({ key, a: x })
    else if (x !== y) changed.push({ key, a: x, b: y })
    else unchanged++
  }
  return { changed, added, removed, unchanged }
}

function compareDatasets(a: LineageSnapshot, b: LineageSnapshot): ModelVersionComparison['datasets'] {
  const ref = (d: { dataset: { name: string; digest: string; source: string } }): DatasetRef => ({
    name: d.dataset.name,
    digest: d.dataset.digest,
    source: d.dataset.source,
  })
  const da = (a.dataset_inputs ?? []).map(ref)
  const db = (b.dataset_inputs ?? []).map(ref)
  const same = (x: DatasetRef, y: DatasetRef) => x.name === y.name && x.digest === y.digest
  const onlyA = da.filter((x) => !db.some((y) => same(x, y)))
  const onlyB = db.filter((y) => !da.some((x) => same(x, y)))
  const changed = onlyB
    .filter((y) => onlyA.some((x) => x.name === y.name))
    .map((y) => ({ name: y.name, a: onlyA.find((x) => x.name === y.name)!, b: y }))
  const changedNames = new Set(changed.map((c) => c.name))
  return {
    added: onlyB.filter((y) => !changedNames.has(y.name)),
    removed: onlyA.filter((x) => !changedNames.has(x.name)),
    changed,
    unchanged: da.length - onlyA.length,
  }
}

/** The dataset and full version id a Railyard run input points at (its source JSON), if it is one. */
function railyardVersion(ref: DatasetRef): { dataset: string; versionId: string } | undefined {
  if (!ref.source) return undefined
  try {
    const source = JSON.parse(ref.source) as { dataset?: unknown; version_id?: unknown }
    if (typeof source.dataset === 'string' && typeof source.version_id === 'string') {
      return { dataset: source.dataset, versionId: source.version_id }
    }
  } catch {
    // Not a Railyard input (MLflow clients put other JSON or plain text there).
  }
  return undefined
}
