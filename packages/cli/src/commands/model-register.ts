import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { AlreadyExistsError, getOrCreateExperiment, localUser, logModel, registryOf, type ModelVersion, type RailyardClient, type Tag } from '@railyard/sdk'
import { CliError, UsageError } from '../cli-errors.js'
import { findExperiment } from '../experiment-ref.js'

export interface RegisterOptions {
  name: string
  description?: string
  tags?: Record<string, string>
  runId?: string
  /** Local directories: the experiment of the run the model is logged to. */
  experiment?: string
  /** Local directories without an MLmodel: the flavor to save them as. */
  flavor?: string
  reason?: string
  /** Wait until the version is READY (default true). */
  wait?: boolean
}

/**
 * Registers `source` as a new version of `opts.name`, creating the registered model if needed.
 * A URI (`runs:/`, `models:/`, `mlflow-artifacts:`) is passed to the server as is; a local model
 * directory is first logged to a new run (as `model`), since a version's files come from a run.
 */
export async function registerModel(client: RailyardClient, source: string, opts: RegisterOptions): Promise<ModelVersion> {
  const registry = registryOf(client)
  let runId = opts.runId
  if (isLocal(source)) {
    if (opts.runId) throw new UsageError('--run-id applies to URIs; a local directory is logged to a new run')
    const dir = source.startsWith('file:') ? fileURLToPath(source) : path.resolve(source)
    const logged = await logToNewRun(client, dir, opts)
    source = logged.source
    runId = logged.runId
  } else if (opts.experiment || opts.flavor) {
    throw new UsageError('--experiment and --flavor apply to local model directories only')
  }
  try {
    await registry.createModel(opts.name)
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err
  }
  const mv = await registry.createVersion({
    name: opts.name,
    source,
    runId,
    description: opts.description,
    tags: opts.tags && Object.keys(opts.tags).length ? opts.tags : undefined,
    reason: opts.reason,
  })
  if (mv.status === 'READY' || opts.wait === false) return mv
  return registry.waitUntilReady(opts.name, mv.version)
}

function isLocal(source: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(source) || /^[a-zA-Z]:[\\/]/.test(source) || source.startsWith('file:')
}

async function logToNewRun(client: RailyardClient, dir: string, opts: RegisterOptions): Promise<{ source: string; runId: string }> {
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new CliError(`no model directory at ${dir}`)
  if (!opts.flavor && !fs.existsSync(path.join(dir, 'MLmodel'))) {
    throw new CliError(`${dir} has no MLmodel; save it with the SDK's saveModel, or pass --flavor railyard_js|onnx`)
  }
  const experimentId = await experimentFor(client, opts.experiment)
  const tags: Tag[] = [
    { key: 'mlflow.source.type', value: 'LOCAL' },
    { key: 'mlflow.source.name', value: dir },
  ]
  const user = localUser()
  if (user) tags.push({ key: 'mlflow.user', value: user })
  const run = await client.runs.create({
    experiment_id: experimentId,
    run_name: `register-${opts.name}`,
    start_time: Date.now(),
    user_id: user,
    tags,
  })
  const runId = run.info.run_id
  try {
    const logged = await logModel({ client, runId }, dir, { flavor: opts.flavor })
    await client.runs.update({ run_id: runId, status: 'FINISHED', end_time: Date.now() })
    return { source: `${run.info.artifact_uri.replace(/\/+$/, '')}/${logged.artifactPath}`, runId }
  } catch (err) {
    await client.runs.update({ run_id: runId, status: 'FAILED', end_time: Date.now() }).catch(() => undefined)
    throw err
  }
}

/** An id names an existing experiment; a name is created when missing, as `railyard run -e` does. */
async function experimentFor(client: RailyardClient, experiment: string | undefined): Promise<string> {
  if (!experiment) return '0'
  if (/^\d+$/.test(experiment)) return (await findExperiment(client, experiment)).experiment_id
  return getOrCreateExperiment(client, experiment)
}
