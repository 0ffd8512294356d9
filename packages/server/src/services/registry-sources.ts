import { InvalidParameterError, NotFoundError, type ModelStage } from '@railyard/api'
import type { Store } from '../store/store.js'
import { DELETED_STAGE, type VersionRow } from '../store/model-versions-repo.js'
import type { ObjectStore, TreeInfo } from '../objects/object-store.js'
import type { TreeEntry } from '../objects/tree.js'
import type { ArtifactsService } from './artifacts.js'
import { artifactFolderPath, proxiedFolder } from './artifact-paths.js'
import type { RunsService } from './runs.js'
import { parseStage, validateModelName } from './registry-validation.js'
import { validateRunId } from './validation.js'

/** A `models:/` URI: one version, by number, alias, `latest`, or newest in a stage. */
export type ModelUri =
  | { name: string; version: number }
  | { name: string; alias: string }
  | { name: string; latest: true }
  | { name: string; stage: ModelStage }

/** Where a new version's files come from. */
export type ResolvedSource =
  /** Files under `key` in the artifact store, inside the artifacts of run `runId` (of logged model `loggedModelId`, if any). */
  | { kind: 'artifacts'; runId: string; key: string; loggedModelId?: string }
  /** The files of an existing version: its tree is reused as is. */
  | { kind: 'version'; from: VersionRow }

// Files copied at once; each is a hash pass and, for new content, a write.
const COPY_CONCURRENCY = 4

/** Parses `models:/NAME/VERSION`, `models:/NAME@ALIAS`, `models:/NAME/latest` and `models:/NAME/STAGE`. */
export function parseModelUri(uri: string): ModelUri {
  const byAlias = /^models:\/([^/]+)@([^/@]+)$/.exec(uri)
  if (byAlias) return { name: validateModelName(byAlias[1], 'uri'), alias: byAlias[2] }
  const m = /^models:\/([^/]+)\/([^/]+)$/.exec(uri)
  if (!m) {
    throw new InvalidParameterError(
      `Invalid model URI '${uri}': expected models:/NAME/VERSION, models:/NAME@ALIAS, models:/NAME/latest or models:/NAME/STAGE.`,
    )
  }
  const name = validateModelName(m[1], 'uri')
  if (/^\d+$/.test(m[2])) return { name, version: Number(m[2]) }
  if (m[2].toLowerCase() === 'latest') return { name, latest: true }
  return { name, stage: parseStage(m[2]) }
}

/**
 * Resolves a new version's `source` to files this server holds, and copies them into registry
 * storage: every file becomes a content-addressed object and the set of them one tree, so a
 * registered version is immutable whatever later happens to its run's artifacts.
 */
export class ModelSources {
  constructor(
    private readonly store: Store,
    private readonly runs: RunsService,
    private readonly artifacts: ArtifactsService,
    private readonly objects: ObjectStore,
  ) {}

  /** The live version a `models:/` URI names; RESOURCE_DOES_NOT_EXIST when there is none. */
  async resolveModelUri(uri: string): Promise<VersionRow> {
    const ref = parseModelUri(uri)
    const model = await this.store.registry.get(ref.name)
    if (!model) throw new NotFoundError(`Registered Model with name=${ref.name} not found`)
    const versions = this.store.registry.versions
    let row: VersionRow | undefined
    if ('version' in ref) row = await versions.get(model.model_id, ref.version)
    else if ('alias' in ref) {
      const v = await this.store.registry.aliasVersion(model.model_id, ref.alias)
      if (v === undefined) throw new NotFoundError(`Registered model alias ${ref.alias} of '${ref.name}' not found.`)
      row = await versions.get(model.model_id, v)
    } else {
      const latest = await versions.latestPerStage([model.model_id], 'stage' in ref ? [ref.stage] : undefined)
      row = latest.sort((a, b) => b.version - a.version)[0]
    }
    if (!row || row.current_stage === DELETED_STAGE) throw new NotFoundError(`No model version matches '${uri}'.`)
    return row
  }

  /**
   * Checks a version's source and finds its files: `runs:/RUN_ID/path`, an `mlflow-artifacts:`
   * location inside a run's artifacts, or a READY version (`models:/…`). INVALID_PARAMETER_VALUE
   * for anything else, for a run_id that contradicts the source, and for a source with no files.
   */
  async resolve(source: string, runId: string | undefined): Promise<ResolvedSource> {
    if (runId !== undefined && runId !== '') validateRunId(runId)
    const logged = await this.loggedModelFiles(source, runId)
    if (logged) return this.withFiles(logged, source)
    if (source.startsWith('models:')) {
      const from = await this.resolveModelUri(source)
      if (from.status !== 'READY' || !from.storage_location) {
        throw new InvalidParameterError(`Cannot register '${source}': model version ${from.name}/${from.version} is ${from.status}, not READY.`)
      }
      return { kind: 'version', from }
    }
    const runsUri = /^runs:\/([^/]+)(?:\/(.*))?$/.exec(source)
    if (runsUri) {
      const sourceRun = validateRunId(runsUri[1])
      if (runId && runId !== sourceRun) {
        throw new InvalidParameterError(`The run_id '${runId}' does not match the run of source '${source}'.`)
      }
      const run = await this.runs.get({ run_id: sourceRun })
      const key = this.artifacts.resolve(run.info.artifact_uri, artifactFolderPath(runsUri[2] ?? '', 'source'))
      return this.withFiles({ kind: 'artifacts', runId: sourceRun, key }, source)
    }
    if (proxiedFolder(source) !== undefined) {
      const key = this.artifacts.resolve(source)
      // Without a run_id, the run is the one whose folder holds the files: `<experiment>/<run>/artifacts/…`.
      const run = runId
        ? await this.runs.get({ run_id: runId })
        : await this.runs.get({ run_id: key.split('/')[1] }).catch(() => undefined)
      const root = run ? this.artifacts.resolve(run.info.artifact_uri) : undefined
      if (!run || !root || (key !== root && !key.startsWith(`${root}/`))) {
        throw new InvalidParameterError(
          runId
            ? `Invalid model version source '${source}': it is not inside the artifacts of run ${runId}.`
            : `Invalid model version source '${source}': it is not inside a run's artifacts; pass the run_id of the run that logged it.`,
        )
      }
      return this.withFiles({ kind: 'artifacts', runId: run.info.run_id, key }, source)
    }
    throw new InvalidParameterError(
      `Unsupported model version source '${source}': use runs:/RUN_ID/path, an mlflow-artifacts: location of a run, or models:/NAME/VERSION.`,
    )
  }

  /** Copies the files under `key` (a folder, or a single file) into the object store as one tree. */
  async copy(key: string): Promise<TreeInfo> {
    const files: Array<{ key: string; path: string }> = []
    for await (const item of this.artifacts.blobs.list(`${key}/`)) files.push({ key: item.key, path: item.key.slice(key.length + 1) })
    if (files.length === 0 && (await this.artifacts.blobs.exists(key))) files.push({ key, path: key.slice(key.lastIndexOf('/') + 1) })
    if (files.length === 0) throw new NotFoundError(`No files at '${key}' any more.`)
    const entries: TreeEntry[] = new Array(files.length)
    let next = 0
    const worker = async () => {
      while (next < files.length) {
        const i = next++
        const f = files[i]
        const info = await this.objects.putFrom(() => this.artifacts.blobs.get(f.key))
        entries[i] = { path: f.path, oid: info.oid, size: info.size }
      }
    }
    await Promise.all(Array.from({ length: Math.min(COPY_CONCURRENCY, files.length) }, worker))
    return this.objects.putTree(entries)
  }

  /**
   * MLflow 3: a logged model's files, named `models:/<model_id>` or by its artifact location
   * (`mlflow-artifacts:/<experiment>/models/<model_id>/artifacts…`). The version's run is the
   * model's source run (or `runId`); undefined when `source` names no logged model.
   */
  private async loggedModelFiles(source: string, runId: string | undefined) {
    const byUri = /^models:\/([^/@]+)$/.exec(source)
    const folder = byUri ? undefined : proxiedFolder(source)
    const modelId = byUri?.[1] ?? (folder !== undefined ? /^[^/]+\/models\/([^/]+)\/artifacts(?:\/|$)/.exec(folder)?.[1] : undefined)
    const model = modelId === undefined ? undefined : await this.store.loggedModels.getRow(modelId)
    if (!model || model.lifecycle_stage !== 'active') return undefined
    const run = runId || model.source_run_id
    if (!run) {
      throw new InvalidParameterError(`Cannot register '${source}': logged model ${model.model_id} has no source run; pass the run_id of the run that logged it.`)
    }
    await this.runs.row({ run_id: run })
    const root = this.artifacts.resolve(model.artifact_location)
    const key = byUri ? root : this.artifacts.resolve(source)
    if (key !== root && !key.startsWith(`${root}/`)) return undefined
    return { kind: 'artifacts' as const, runId: run, key, loggedModelId: model.model_id }
  }

  private async withFiles(resolved: Extract<ResolvedSource, { kind: 'artifacts' }>, source: string): Promise<ResolvedSource> {
    const blobs = this.artifacts.blobs
    const isFolder = (await blobs.listPage(`${resolved.key}/`, { limit: 1 })).items.length > 0
    if (!isFolder && !(await blobs.exists(resolved.key))) {
      throw new InvalidParameterError(`Invalid model version source '${source}': there are no files there.`)
    }
    return resolved
  }
}
