import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { AlreadyExistsError, type ModelManifest, type ModelVersion } from '@railyard/api'
import type { RailyardClient } from '../client.js'
import type { ActiveRun } from '../active-run.js'
import { cleanArtifactPath } from '../artifact-paths.js'
import { MANIFEST_FILE, readManifest, writeManifest } from './manifest.js'
import { saveModel, type ModelSource, type SaveModelOptions } from './save-model.js'
import { registryOf } from './registry-client.js'

/** The run to log into: an ActiveRun, or any client and run id. */
export type RunTarget = ActiveRun | { client: RailyardClient; runId: string }

export interface LogModelOptions extends Omit<SaveModelOptions, 'runId' | 'artifactPath' | 'model' | 'flavor'> {
  /** Where the model goes inside the run's artifacts. Default `model`. */
  artifactPath?: string
  /**
   * The flavor. Required unless the directory already has an MLmodel (it is then logged as it is,
   * with run_id and artifact_path set) or the model object names it.
   */
  flavor?: string
  /** Also registers the model as a new version of this registered model (created if missing). */
  registeredModelName?: string
  /** Description of the new version. */
  versionDescription?: string
  /** Tags of the new version. */
  versionTags?: Record<string, string>
  /** How long to wait for the new version to be READY, in milliseconds. Default 300 000 (MLflow's). */
  awaitRegistrationForMs?: number
}

/** What logModel did. */
export interface LoggedModel {
  /** `runs:/RUN_ID/ARTIFACT_PATH`, for loadModel and registration. */
  modelUri: string
  runId: string
  artifactPath: string
  manifest: ModelManifest
  /** The uploaded files, as paths inside the run's artifacts. */
  files: string[]
  /** The new version, READY, when `registeredModelName` was given. */
  modelVersion?: ModelVersion
}

/**
 * Logs a model into a run, as MLflow's `log_model` does: saves it (MLmodel with the run id,
 * signature, input example), uploads the directory under `artifactPath` through the artifact
 * proxy, records it in the run's `mlflow.log-model.history` tag, and, with `registeredModelName`,
 * sends the run's buffered metrics (the version's lineage snapshots them), registers the model and
 * waits until the version is READY. `model` is a directory holding the model's
 * files (copied, never changed) or an object that writes them (ModelSource).
 */
export async function logModel(run: RunTarget, model: string | ModelSource, opts: LogModelOptions = {}): Promise<LoggedModel> {
  const { client, runId } = run
  const artifactPath = cleanArtifactPath(opts.artifactPath ?? 'model') || 'model'
  const scratch = await fsp.mkdtemp(path.join(os.tmpdir(), 'railyard-model-'))
  try {
    const dir = path.join(scratch, 'model')
    const manifest = await stage(dir, model, { ...opts, runId, artifactPath })
    const uploaded = await client.artifacts.uploadDir(runId, dir, artifactPath)
    await client.call('logModel', { run_id: runId, model_json: JSON.stringify(historyEntry(manifest)) })
    const logged: LoggedModel = { modelUri: `runs:/${runId}/${artifactPath}`, runId, artifactPath, manifest, files: uploaded }
    if (opts.registeredModelName) logged.modelVersion = await register(run, logged, opts)
    return logged
  } finally {
    await fsp.rm(scratch, { recursive: true, force: true })
  }
}

/** Writes the model directory to upload into `dir`. */
async function stage(
  dir: string,
  model: string | ModelSource,
  opts: LogModelOptions & { runId: string; artifactPath: string },
): Promise<ModelManifest> {
  const { registeredModelName: _r, versionDescription: _d, versionTags: _t, awaitRegistrationForMs: _w, ...save } = opts
  if (typeof model !== 'string') return saveModel(dir, { ...save, flavor: save.flavor!, model })
  await fsp.cp(model, dir, { recursive: true, dereference: true })
  const hasManifest = await fsp.stat(path.join(dir, MANIFEST_FILE)).then(() => true, () => false)
  if (hasManifest && !opts.flavor) {
    const manifest = await readManifest(dir)
    manifest.run_id = opts.runId
    manifest.artifact_path = opts.artifactPath
    await writeManifest(dir, manifest)
    return manifest
  }
  return saveModel(dir, { ...save, flavor: save.flavor! })
}

/**
 * What MLflow keeps of a logged model in the run's `mlflow.log-model.history` tag
 * (`Model.get_tags_dict`): identity fields and flavors, without signature or example, so the tag
 * stays small.
 */
function historyEntry(m: ModelManifest): Record<string, unknown> {
  const flavors = Object.fromEntries(
    Object.entries(m.flavors).map(([name, config]) => [name, Object.fromEntries(Object.entries(config).filter(([k]) => k !== 'config'))]),
  )
  return { run_id: m.run_id, artifact_path: m.artifact_path, utc_time_created: m.utc_time_created, model_uuid: m.model_uuid, flavors }
}

/**
 * MLflow's `register_model`: creates the registered model unless it exists, registers the run's
 * artifact location (with the run id) as a new version, and waits for READY.
 */
async function register(run: RunTarget, logged: LoggedModel, opts: LogModelOptions): Promise<ModelVersion> {
  // The registry snapshots the run's metrics at registration: send the buffered ones first.
  if ('flush' in run) await run.flush()
  const registry = registryOf(run.client)
  const name = opts.registeredModelName!
  try {
    await registry.createModel(name)
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err
  }
  const artifactUri = 'run' in run ? run.run.info.artifact_uri : (await run.client.runs.get(run.runId)).info.artifact_uri
  const mv = await registry.createVersion({
    name,
    source: `${artifactUri.replace(/\/+$/, '')}/${logged.artifactPath}`,
    runId: logged.runId,
    description: opts.versionDescription,
    tags: opts.versionTags,
  })
  if (mv.status === 'READY') return mv
  return registry.waitUntilReady(name, mv.version, { timeoutMs: opts.awaitRegistrationForMs })
}
