import { toDouble, type DatasetInput, type ModelVersion, type RailyardClient, type Run } from '@railyard/sdk'
import type { GatePolicy } from './policy.js'
import type { Metrics } from './metrics.js'
import { GateError } from './gate-error.js'

/** The dataset version both runs were evaluated on, as their run inputs record it. */
export interface LoggedDatasetRef {
  kind: 'run_inputs'
  dataset: string
  /** The digest the runs logged (a Railyard dataset's short version id). */
  digest: string
  /** The full version id, when the source names one (Railyard datasets do). */
  version?: string
  context: string
}

export interface LoggedComparison {
  challenger: Metrics
  champion?: Metrics
  data: LoggedDatasetRef
  runs: { challenger: string; champion?: string }
}

/**
 * Without an evaluation section the gate compares the metrics the versions' runs logged, but only
 * when both runs recorded the same version of an evaluation dataset as an input (context
 * `logged_metrics.context`, by default `evaluation`). Anything else would compare numbers measured
 * on different data, so it is a GateError naming both sides.
 */
export async function compareLoggedMetrics(
  client: RailyardClient,
  policy: GatePolicy,
  candidate: ModelVersion,
  champion: ModelVersion | undefined,
): Promise<LoggedComparison> {
  const { context, dataset } = policy.loggedMetrics
  const candidateRun = await runOf(client, candidate, 'candidate')
  const candidateInputs = evaluationInputs(candidateRun, context, dataset)
  const what = `a dataset input with context '${context}'${dataset ? ` named '${dataset}'` : ''}`
  if (candidateInputs.length === 0) {
    throw new GateError(
      `cannot compare logged metrics: the candidate's run ${candidateRun.info.run_id} (version ${candidate.version}) recorded no ${what}. ` +
        `Log the evaluation dataset with that context in both runs, or add an evaluation section to the policy so the gate evaluates both models itself.`,
    )
  }
  const challengerMetrics = metricsOf(candidateRun)
  if (!champion) {
    return { challenger: challengerMetrics, data: refOf(candidateInputs[0], context), runs: { challenger: candidateRun.info.run_id } }
  }
  const championRun = await runOf(client, champion, 'champion')
  const championInputs = evaluationInputs(championRun, context, dataset)
  for (const c of candidateInputs) {
    const same = championInputs.find((p) => p.dataset.name === c.dataset.name && sameVersion(p, c))
    if (same) {
      return {
        challenger: challengerMetrics,
        champion: metricsOf(championRun),
        data: refOf(c, context),
        runs: { challenger: candidateRun.info.run_id, champion: championRun.info.run_id },
      }
    }
  }
  const list = (inputs: DatasetInput[]) => (inputs.length ? inputs.map((i) => `${i.dataset.name}@${i.dataset.digest}`).join(', ') : `no ${what}`)
  throw new GateError(
    `cannot compare logged metrics fairly: the candidate (version ${candidate.version}, run ${candidateRun.info.run_id}) was evaluated on ${list(candidateInputs)} ` +
      `but the champion (version ${champion.version}, run ${championRun.info.run_id}) on ${list(championInputs)}. ` +
      `Evaluate both on the same dataset version: add an evaluation section to the policy (the gate then evaluates both models itself), or log both runs' metrics on the same version.`,
  )
}

async function runOf(client: RailyardClient, version: ModelVersion, role: string): Promise<Run> {
  if (!version.run_id) {
    throw new GateError(`the ${role} (version ${version.version}) was not registered from a run, so it has no logged metrics; add an evaluation section to the policy`)
  }
  return client.runs.get(version.run_id)
}

function evaluationInputs(run: Run, context: string, dataset: string | undefined): DatasetInput[] {
  return (run.inputs?.dataset_inputs ?? []).filter(
    (i) => (i.tags ?? []).some((t) => t.key === 'mlflow.data.context' && t.value === context) && (dataset === undefined || i.dataset.name === dataset),
  )
}

/** Same digest, and the same full version id when both sources name one. */
function sameVersion(a: DatasetInput, b: DatasetInput): boolean {
  if (a.dataset.digest !== b.dataset.digest) return false
  const [va, vb] = [versionIdOf(a), versionIdOf(b)]
  return va === undefined || vb === undefined || va === vb
}

function versionIdOf(input: DatasetInput): string | undefined {
  try {
    const source = JSON.parse(input.dataset.source) as { version_id?: unknown }
    return typeof source?.version_id === 'string' ? source.version_id : undefined
  } catch {
    return undefined
  }
}

function refOf(input: DatasetInput, context: string): LoggedDatasetRef {
  return { kind: 'run_inputs', dataset: input.dataset.name, digest: input.dataset.digest, version: versionIdOf(input), context }
}

function metricsOf(run: Run): Metrics {
  const out: Metrics = {}
  for (const m of run.data.metrics ?? []) out[m.key] = toDouble(m.value)
  return out
}
