import {
  ApiError,
  ConnectionError,
  InvalidParameterError,
  NotFoundError,
  deliveryOf,
  loadFailureReason,
  loadModel,
  readInputExample,
  registryOf,
  type LoadedModel,
  type ModelVersion,
  type RailyardClient,
} from '@railyard/sdk'
import { loadPolicy, PolicyError, type GatePolicy } from './policy.js'
import { loadEvaluationData } from './evaluation-data.js'
import { compareLoggedMetrics } from './logged-metrics.js'
import { inputsAndLabels, measureLatency, predictAll, scoreOutputs, textInput } from './model-evaluation.js'
import { runBehaviouralTests } from './behavioural.js'
import { limitChecks, metricChecks } from './decide.js'
import { checkPolicyMetricNames, requireMetrics } from './policy-metric-names.js'
import { markdownReport } from './report.js'
import { GateError, InputError } from './gate-error.js'
import { shownPath } from './shown-path.js'
import { versionOf } from '../commands/models.js'
import { UsageError } from '../cli-errors.js'
import type { GateOutcome } from './outcome.js'

export interface GateOptions {
  client: RailyardClient
  model: string
  /** The candidate: a version number, `latest`, or an alias (`staging` or `@staging`). */
  candidate: string
  /** The alias to compare against and deploy to. */
  against: string
  /**
   * The user says the alias is new: gate a first deployment (floors only) even though the model
   * already has other aliases or a deployment history. Without it, an unset alias on such a model
   * is an error, so that a typo in `against` never weakens the gate.
   */
  firstDeployment?: boolean
  policyFile: string
  /** Where downloaded models are cached (default: the SDK's). */
  cacheDir?: string
  /** Prints progress lines (to stderr). */
  log?: (line: string) => void
}

export interface GateRun {
  outcome: GateOutcome
  markdown: string
  /** 0 pass, 1 fail, 2 error. */
  exitCode: 0 | 1 | 2
}

// A candidate registered just before the gate runs (as in a pipeline) may still be copying its files.
const READY_TIMEOUT_MS = 120_000

/**
 * Runs the promotion gate: loads the policy, the candidate and the champion (the version the
 * alias points to), evaluates both on the same data (or compares their logged metrics when both
 * runs used the same evaluation dataset version), measures the candidate's size, latency and
 * behavioural tests, decides, and records the result on the candidate version. Never throws: any
 * failure becomes an `error` verdict (exit code 2).
 */
export async function runGate(opts: GateOptions): Promise<GateRun> {
  const started = Date.now()
  const log = opts.log ?? (() => {})
  const outcome: GateOutcome = {
    verdict: 'error',
    model: opts.model,
    candidate: opts.candidate,
    against: opts.against,
    first_deployment: false,
    metrics: {},
    checks: [],
    reasons: [],
    summary: '',
    policy: shownPath(opts.policyFile),
    duration_ms: 0,
  }
  const loaded: LoadedModel[] = []
  let candidate: ModelVersion | undefined
  let failure: unknown
  try {
    const policy = loadPolicy(opts.policyFile)
    candidate = await findCandidate(opts)
    outcome.candidate = candidate.version
    const champion = await findChampion(opts)
    if (champion?.version === candidate.version) {
      throw new InputError(`version ${candidate.version} is already what ${opts.model}@${opts.against} points to: there is nothing to compare it with (gate a newer version)`)
    }
    outcome.champion = champion?.version
    outcome.first_deployment = !champion
    log(`gate: ${opts.model} version ${candidate.version} vs ${champion ? `${opts.against} (version ${champion.version})` : `nothing at ${opts.against} (first deployment)`}`)

    const challengerModel = await load(opts, candidate.version, 'the candidate', loaded)
    outcome.size_bytes = await sizeOf(opts, candidate.version)
    const wrap = textInput(challengerModel.manifest, policy.evaluation?.textField)
    let latencyInputs: unknown[] | undefined
    if (policy.evaluation) {
      outcome.mode = 'evaluated'
      const data = await loadEvaluationData(policy.evaluation, opts.client)
      outcome.data = data.ref
      log(`gate: evaluating on ${data.rows.length} rows`)
      const { inputs, labels } = inputsAndLabels(data.rows, policy.evaluation, wrap)
      checkPolicyMetricNames(policy, labels)
      latencyInputs = inputs
      outcome.metrics.challenger = await scoreOutputs(await predictAll(challengerModel, inputs, 'the candidate'), labels, policy, 'the candidate')
      requireMetrics(policy, outcome.metrics.challenger, `the candidate (version ${candidate.version})`)
      if (champion) {
        const championModel = await load(opts, champion.version, 'the champion', loaded)
        // The champion gets the same rows, shaped for its own signature.
        const own = inputsAndLabels(data.rows, policy.evaluation, textInput(championModel.manifest, policy.evaluation.textField))
        outcome.metrics.champion = await scoreOutputs(await predictAll(championModel, own.inputs, 'the champion'), own.labels, policy, 'the champion')
      }
    } else {
      outcome.mode = 'logged_metrics'
      const logged = await compareLoggedMetrics(opts.client, policy, candidate, champion)
      outcome.data = logged.data
      outcome.metrics = { challenger: logged.challenger, champion: logged.champion }
      latencyInputs = await readInputExample(challengerModel.dir, challengerModel.manifest)
    }

    if (latencyInputs?.length) outcome.latency = await measureLatency(challengerModel, latencyInputs, policy.limits.latencySamples)
    else if (policy.limits.maxP95LatencyMs !== undefined) {
      throw new GateError(`limits.max_p95_latency_ms needs inputs to time: the candidate has no input example and the policy no evaluation section`)
    }
    outcome.behavioural = await runBehaviouralTests(challengerModel, policy, wrap)
    outcome.checks = [
      ...metricChecks(policy, outcome.metrics.challenger!, outcome.metrics.champion, {
        challenger: `the candidate (version ${candidate.version})`,
        champion: champion && `the champion (version ${champion.version})`,
      }),
      ...limitChecks(policy, outcome.size_bytes, outcome.latency, outcome.behavioural),
    ]
    decide(outcome, policy)
    if (outcome.first_deployment && policy.floors.length === 0) {
      outcome.warnings = [`no metric was checked: this is a first deployment to ${opts.against} and the policy sets no floors (add floors: to require minimum metrics)`]
    }
  } catch (err) {
    failure = err
    outcome.verdict = 'error'
    outcome.error = describe(err, opts.client)
    outcome.reasons = [outcome.error]
    outcome.summary = outcome.error
  } finally {
    await Promise.allSettled(loaded.map((m) => m.close()))
  }

  // What is recorded on the candidate is a verdict about that version: pass, fail, or an error
  // of the gate run itself once its inputs were valid (the model would not load or predict, its
  // run logged no comparable metrics, the server failed). A mistake in the user's input (policy,
  // flags, named data, metrics or files: PolicyError, InputError) says nothing about the version,
  // and recording it would make `railyard deploy` refuse the version for the wrong reason.
  if (candidate && !(failure instanceof InputError || failure instanceof PolicyError)) await record(opts, outcome)
  outcome.duration_ms = Date.now() - started
  return { outcome, markdown: markdownReport(outcome), exitCode: outcome.verdict === 'pass' ? 0 : outcome.verdict === 'fail' ? 1 : 2 }
}

function decide(outcome: GateOutcome, policy: GatePolicy): void {
  const failed = outcome.checks.filter((c) => !c.ok)
  outcome.verdict = failed.length ? 'fail' : 'pass'
  outcome.reasons = failed.map((c) => c.detail)
  if (failed.length) {
    outcome.summary = failed.map((c) => c.detail).join('; ')
    return
  }
  const primary = outcome.checks.find((c) => c.kind === 'primary')
  const lead = primary
    ? primary.detail
    : outcome.first_deployment && policy.floors.length === 0
      ? `first deployment to ${outcome.against} and the policy sets no floors`
      : `first deployment to ${outcome.against}: every floor met`
  outcome.summary = `${lead}; all ${outcome.checks.length} check${outcome.checks.length === 1 ? '' : 's'} passed`
  outcome.reasons = outcome.checks.map((c) => c.detail)
}

async function findCandidate(opts: GateOptions): Promise<ModelVersion> {
  const registry = registryOf(opts.client)
  let mv: ModelVersion
  try {
    mv = await registry.getVersion(opts.model, await versionOf(registry, opts.model, opts.candidate))
  } catch (err) {
    if (err instanceof NotFoundError || err instanceof InvalidParameterError || err instanceof UsageError) {
      throw new InputError(`the candidate does not exist: ${err.message} (--candidate takes a version number, latest, or an alias such as @staging)`)
    }
    throw err
  }
  if (mv.status === 'READY') return mv
  return registry.waitUntilReady(opts.model, mv.version, { timeoutMs: READY_TIMEOUT_MS })
}

/**
 * The version the alias points to, or undefined for a first deployment: the alias is not set and
 * either the model has no aliases and no deployment history at all, or the user said
 * `--first-deployment`. An unset alias on a model that has been deployed is most likely a typo,
 * and an InputError naming the aliases that exist.
 */
async function findChampion(opts: GateOptions): Promise<ModelVersion | undefined> {
  const registry = registryOf(opts.client)
  let champion: ModelVersion | undefined
  try {
    champion = await registry.getVersionByAlias(opts.model, opts.against)
  } catch (err) {
    // MLflow answers INVALID_PARAMETER_VALUE for an alias that is not set.
    if (!(err instanceof InvalidParameterError || err instanceof NotFoundError)) throw err
  }
  if (champion) {
    if (opts.firstDeployment) {
      throw new InputError(`--first-deployment, but ${opts.model}@${opts.against} points to version ${champion.version}: drop the flag to compare the candidate with it`)
    }
    return champion
  }
  if (opts.firstDeployment) return undefined
  const aliases = ((await registry.getModel(opts.model)).aliases ?? []).map((a) => `${a.alias} (version ${a.version})`)
  const history = [...new Set((await deliveryOf(opts.client).deployments(opts.model, { maxResults: 100 })).items.map((d) => d.alias))]
  if (aliases.length === 0 && history.length === 0) return undefined
  const has = aliases.length ? `its aliases are ${aliases.join(', ')}` : `it has no aliases now but was deployed to ${history.join(', ')} before`
  throw new InputError(
    `${opts.model} has no alias '${opts.against}', and ${has}. Check --against for a typo, or pass --first-deployment to gate a first deployment to '${opts.against}' (floors only)`,
  )
}

async function load(opts: GateOptions, version: string, role: string, loaded: LoadedModel[]): Promise<LoadedModel> {
  try {
    const description = `${opts.model} version ${version}`
    const model = await loadModel(`models:/${opts.model}/${version}`, { client: opts.client, cacheDir: opts.cacheDir, description })
    loaded.push(model)
    return model
  } catch (err) {
    if (err instanceof ConnectionError) throw err
    // The SDK's reason names the model's files from its root, never the download cache.
    throw new GateError(`cannot load ${role} (version ${version}): ${loadFailureReason(err)}`)
  }
}

async function sizeOf(opts: GateOptions, version: string): Promise<number> {
  const { files } = await registryOf(opts.client).files(opts.model, version)
  return (files ?? []).reduce((sum, f) => sum + f.size, 0)
}

/** Records the outcome on the candidate; a result that cannot be recorded turns the verdict into an error. */
async function record(opts: GateOptions, outcome: GateOutcome): Promise<void> {
  try {
    const result = await deliveryOf(opts.client).recordGate({
      name: opts.model,
      version: outcome.candidate,
      againstAlias: opts.against,
      verdict: outcome.verdict,
      championVersion: outcome.champion,
      summary: outcome.summary.slice(0, 1000),
      report: outcome,
      markdown: markdownReport(outcome),
    })
    outcome.gate_result_id = result.id
  } catch (err) {
    const message = `the result could not be recorded on the candidate: ${describe(err, opts.client)}`
    if (outcome.verdict !== 'error') outcome.reasons.unshift(`the gate's verdict was '${outcome.verdict}', but ${message}`)
    outcome.verdict = 'error'
    outcome.error = outcome.error ? `${outcome.error}; ${message}` : message
    outcome.summary = outcome.error
  }
}

function describe(err: unknown, client: RailyardClient): string {
  if (err instanceof GateError || err instanceof PolicyError) return err.message
  if (err instanceof ConnectionError) return `cannot reach the tracking server at ${client.trackingUri}: ${err.message}`
  if (err instanceof ApiError) return `${err.message} (${err.code})`
  const message = err instanceof Error ? err.message : String(err)
  return process.env.RAILYARD_DEBUG && err instanceof Error ? `${message}\n${err.stack}` : message
}
