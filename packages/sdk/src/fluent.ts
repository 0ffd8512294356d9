import os from 'node:os'
import { AlreadyExistsError, InvalidParameterError, type Run, type Tag } from '@railyard/api'
import { RailyardClient, type RailyardClientOptions } from './client.js'
import { runIdFromEnv } from './config.js'
import { ActiveRun } from './active-run.js'

let shared: RailyardClient | undefined

/** The client the top-level functions use, made from the environment on first use. */
export function defaultClient(): RailyardClient {
  shared ??= new RailyardClient()
  return shared
}

/** Replaces the client the top-level functions use (e.g. to point them at another server). */
export function configure(opts: RailyardClientOptions | RailyardClient): RailyardClient {
  shared = opts instanceof RailyardClient ? opts : new RailyardClient(opts)
  return shared
}

export interface StartRunOptions {
  /** Experiment to create the run in, created if missing. Default: MLFLOW_EXPERIMENT_NAME, else "Default". */
  experimentName?: string
  /** Experiment id to create the run in (takes precedence over the name). Default: MLFLOW_EXPERIMENT_ID. */
  experimentId?: string
  /** Run name; the server picks one when absent. Ignored when joining a run. */
  runName?: string
  tags?: Record<string, string>
  /**
   * Join this run instead of creating one. Default: RAILYARD_RUN_ID, then MLFLOW_RUN_ID, which
   * `railyard run` sets; a run joined from the environment is left for its supervisor to end.
   */
  runId?: string
  client?: RailyardClient
  /** How long a metric point may wait in the buffer, in milliseconds. Default 500. */
  flushIntervalMs?: number
  /** Metric points kept while the server is unreachable; past it new points are dropped and flush() reports how many. Default 1,000,000. */
  maxQueuedPoints?: number
}

/**
 * Starts a run, or joins the one named by `runId` / RAILYARD_RUN_ID / MLFLOW_RUN_ID, and returns it
 * as an ActiveRun. A joined run must belong to `experimentId` when one is given (InvalidParameterError
 * otherwise; an `experimentName` it does not belong to gets a warning on stderr) and is set back to RUNNING if it had ended. NotFoundError for an unknown run or experiment id.
 */
export async function startRun(opts: StartRunOptions = {}): Promise<ActiveRun> {
  const client = opts.client ?? defaultClient()
  const tags = Object.entries(opts.tags ?? {}).map(([key, value]): Tag => ({ key, value }))
  const envRunId = runIdFromEnv()
  const joinId = opts.runId ?? envRunId
  const active = { flushIntervalMs: opts.flushIntervalMs, maxQueuedPoints: opts.maxQueuedPoints }
  if (joinId) {
    let run = await client.runs.get(joinId)
    if (opts.experimentId !== undefined && opts.experimentId !== run.info.experiment_id) {
      throw new InvalidParameterError(
        `Run ${joinId} belongs to experiment ${run.info.experiment_id}, not to the requested experiment ${opts.experimentId}`,
      )
    }
    if (opts.experimentId === undefined && opts.experimentName !== undefined) {
      // A script's own default experiment name under `railyard run -e other` (a sweep, a CI job):
      // the run it joins decides, but the user is told, as logging silently elsewhere would surprise.
      const joined = await client.experiments.get(run.info.experiment_id)
      if (joined.name !== opts.experimentName) {
        const from = opts.runId === undefined ? ' (given by RAILYARD_RUN_ID or MLFLOW_RUN_ID, e.g. by `railyard run --experiment`)' : ''
        process.stderr.write(
          `railyard: warning: joining run ${joinId}${from}, which belongs to experiment '${joined.name}'; the requested experiment '${opts.experimentName}' is not used\n`,
        )
      }
    }
    if (run.info.status !== 'RUNNING') await client.runs.update({ run_id: joinId, status: 'RUNNING' })
    if (tags.length) await client.runs.logBatch({ run_id: joinId, tags })
    if (run.info.status !== 'RUNNING' || tags.length) run = await client.runs.get(joinId)
    return new ActiveRun(client, run, { ...active, owned: opts.runId !== undefined })
  }
  const experimentId = await resolveExperiment(client, opts)
  const user = currentUser()
  const run = await client.runs.create({
    experiment_id: experimentId,
    run_name: opts.runName,
    start_time: Date.now(),
    user_id: user,
    tags: [...defaultTags(user).filter((d) => !tags.some((t) => t.key === d.key)), ...tags],
  })
  return new ActiveRun(client, run, { ...active, owned: true })
}

/** The run with its latest metric values, params, tags and inputs. NotFoundError if unknown. */
export function getRun(runId: string, opts: { client?: RailyardClient } = {}): Promise<Run> {
  return (opts.client ?? defaultClient()).runs.get(runId)
}

async function resolveExperiment(client: RailyardClient, opts: StartRunOptions): Promise<string> {
  const id = opts.experimentId ?? (opts.experimentName ? undefined : process.env.MLFLOW_EXPERIMENT_ID)
  if (id) return id
  const name = opts.experimentName ?? process.env.MLFLOW_EXPERIMENT_NAME
  if (!name) return '0'
  return getOrCreateExperiment(client, name)
}

/**
 * The id of the experiment with this name, creating it if missing (safe when several processes race).
 * InvalidParameterError if an experiment of that name is deleted (names stay taken until it is purged).
 */
export async function getOrCreateExperiment(client: RailyardClient, name: string): Promise<string> {
  const found = await client.experiments.findByName(name)
  if (found?.lifecycle_stage === 'deleted') {
    // The server would only say that experiment <id> is not active, naming no way out.
    throw new InvalidParameterError(
      `Experiment '${name}' (id ${found.experiment_id}) is deleted: restore it (\`railyard experiments restore ${name}\`, client.experiments.restore('${found.experiment_id}') or POST /api/2.0/mlflow/experiments/restore) or use another name`,
    )
  }
  if (found) return found.experiment_id
  try {
    return await client.experiments.create({ name })
  } catch (err) {
    // Another process created it between our lookup and our create.
    if (err instanceof AlreadyExistsError) return (await client.experiments.getByName(name)).experiment_id
    throw err
  }
}

function currentUser(): string | undefined {
  try {
    return os.userInfo().username
  } catch {
    return undefined
  }
}

/** The tags MLflow's own client puts on a new run, so UIs show who ran what. */
function defaultTags(user: string | undefined): Tag[] {
  const tags: Tag[] = [{ key: 'mlflow.source.type', value: 'LOCAL' }]
  if (user) tags.push({ key: 'mlflow.user', value: user })
  if (process.argv[1]) tags.push({ key: 'mlflow.source.name', value: process.argv[1] })
  return tags
}
