import fs from 'node:fs'
import path from 'node:path'
import YAML from 'yaml'

/**
 * The gate policy (gate.yaml): what a candidate must show to replace the champion. Every field is
 * checked when the file is read, and a mistake is reported with the file and the field's path
 * (`gate.yaml: guards[0].max_worsening must be …`), so a typo never silently weakens a gate.
 *
 *   task: classification              # or regression
 *   primary:
 *     metric: macro_f1
 *     direction: maximize             # or minimize; default: minimize for loss/error/rmse/mae names
 *     min_improvement: 0.01           # absolute, or "2%" relative to the champion's value
 *   guards:                           # may not get worse than the champion by more than a bound
 *     - metric: recall.negative
 *       max_worsening: 0.02           # or "5%"
 *   floors:                           # a first deployment (nothing at --against yet) must reach these
 *     macro_f1: 0.45
 *   limits:
 *     max_model_bytes: 5MB            # the version's files; bytes, or KB/MB/GB/KiB/MiB/GiB
 *     max_p95_latency_ms: 20          # one prediction at a time on the evaluation inputs
 *     latency_samples: 200
 *   behavioural_tests:                # JSONL of {input, expected} or invariance pairs {a, b}
 *     - file: behaviour.jsonl
 *       min_pass_rate: 1
 *   evaluation:                       # both models are evaluated on exactly this data
 *     dataset: tweets-eval            # a Railyard dataset, with
 *     version: 3f2a9c1d0b7e           #   a version id (or prefix, or `latest`), or
 *     # frozen_for: sentiment         #   the version frozen for an experiment
 *     # path: data/val.jsonl          # or a local JSON Lines file (relative to this file)
 *     file: val.jsonl                 # which file of the version (default: every .jsonl file)
 *     label_field: label
 *     text_field: text                # model input: { <its input column>: row.text }; default: the row without its label
 *     limit: 5000
 *     module: ./evaluate.mjs          # exports evaluate(predictions, labels) → { metric: number }
 *   logged_metrics:                   # without `evaluation`: compare the runs' logged metrics,
 *     context: evaluation             #   only when both runs used the same version of the dataset
 *     dataset: tweets-eval            #   they logged with this context (and this name)
 */
export interface GatePolicy {
  /** Absolute path of the policy file; relative paths in it are resolved from its folder. */
  file: string
  task: 'classification' | 'regression'
  primary: { metric: string; direction: Direction; minImprovement: Bound }
  guards: Array<{ metric: string; direction: Direction; maxWorsening: Bound }>
  floors: Array<{ metric: string; direction: Direction; value: number }>
  limits: { maxModelBytes?: number; maxP95LatencyMs?: number; latencySamples: number }
  behaviouralTests: Array<{ file: string; minPassRate: number }>
  evaluation?: EvaluationSpec
  loggedMetrics: { context: string; dataset?: string }
}

export type Direction = 'maximize' | 'minimize'

/** A margin: an absolute amount, or a fraction of the champion's value. */
export interface Bound {
  value: number
  relative: boolean
}

export type EvaluationSource =
  | { kind: 'dataset'; dataset: string; version: string }
  | { kind: 'frozen'; dataset: string; experiment: string }
  | { kind: 'path'; path: string }

export interface EvaluationSpec {
  source: EvaluationSource
  /** Which file of a dataset version; every .jsonl file when absent. */
  file?: string
  labelField: string
  textField?: string
  limit?: number
  /** Absolute path of a module exporting evaluate(predictions, labels). */
  module?: string
}

/** A policy file that cannot be used; the message names the file and the field. */
export class PolicyError extends Error {}

const TOP = ['version', 'task', 'primary', 'guards', 'floors', 'limits', 'behavioural_tests', 'evaluation', 'logged_metrics'] as const

export function loadPolicy(file: string): GatePolicy {
  const abs = path.resolve(file)
  let text: string
  try {
    text = fs.readFileSync(abs, 'utf8')
  } catch (err) {
    throw new PolicyError(`cannot read the gate policy ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`)
  }
  return parsePolicy(text, abs, file)
}

/** Parses and checks a policy; `shown` is how error messages name the file. */
export function parsePolicy(text: string, file: string, shown = path.basename(file)): GatePolicy {
  const doc = YAML.parseDocument(text, { uniqueKeys: true })
  if (doc.errors.length > 0) {
    const e = doc.errors[0]
    const where = e.linePos ? ` (line ${e.linePos[0].line}, column ${e.linePos[0].col})` : ''
    throw new PolicyError(`${shown}: not valid YAML${where}: ${e.message.split('\n')[0]}`)
  }
  const raw = doc.toJS() as unknown
  const v = new Checker(shown)
  const root = v.object(raw, '', TOP)
  if (root.version !== undefined && root.version !== 1) v.fail('version', 'must be 1 (the only policy format so far)')
  const task = root.task === undefined ? 'classification' : v.oneOf(root.task, 'task', ['classification', 'regression'] as const)

  const primaryRaw = v.object(v.required(root.primary, 'primary'), 'primary', ['metric', 'direction', 'min_improvement'])
  const primaryMetric = v.metric(v.required(primaryRaw.metric, 'primary.metric'), 'primary.metric')
  const primary = {
    metric: primaryMetric,
    direction: v.direction(primaryRaw.direction, 'primary.direction', primaryMetric),
    minImprovement: primaryRaw.min_improvement === undefined ? { value: 0, relative: false } : v.bound(primaryRaw.min_improvement, 'primary.min_improvement'),
  }

  const guards = v.list(root.guards, 'guards').map((g, i) => {
    const at = `guards[${i}]`
    const o = v.object(g, at, ['metric', 'direction', 'max_worsening'])
    const metric = v.metric(v.required(o.metric, `${at}.metric`), `${at}.metric`)
    return {
      metric,
      direction: v.direction(o.direction, `${at}.direction`, metric),
      maxWorsening: o.max_worsening === undefined ? { value: 0, relative: false } : v.bound(o.max_worsening, `${at}.max_worsening`),
    }
  })

  const floorsRaw = root.floors === undefined ? {} : v.object(root.floors, 'floors')
  const floors = Object.entries(floorsRaw).map(([metric, value]) => ({
    metric: v.metric(metric, `floors.${metric}`),
    direction: inferDirection(metric),
    value: v.number(value, `floors.${metric}`),
  }))

  const limitsRaw = root.limits === undefined ? {} : v.object(root.limits, 'limits', ['max_model_bytes', 'max_p95_latency_ms', 'latency_samples'])
  const limits = {
    maxModelBytes: limitsRaw.max_model_bytes === undefined ? undefined : v.bytes(limitsRaw.max_model_bytes, 'limits.max_model_bytes'),
    maxP95LatencyMs: limitsRaw.max_p95_latency_ms === undefined ? undefined : v.positive(limitsRaw.max_p95_latency_ms, 'limits.max_p95_latency_ms'),
    latencySamples: limitsRaw.latency_samples === undefined ? 200 : v.integer(limitsRaw.latency_samples, 'limits.latency_samples', 1),
  }

  const dir = path.dirname(file)
  const behaviouralTests = v.list(root.behavioural_tests, 'behavioural_tests').map((t, i) => {
    const at = `behavioural_tests[${i}]`
    const o = typeof t === 'string' ? { file: t } : v.object(t, at, ['file', 'min_pass_rate'])
    const rate = o.min_pass_rate === undefined ? 1 : v.number(o.min_pass_rate, `${at}.min_pass_rate`)
    if (rate < 0 || rate > 1) v.fail(`${at}.min_pass_rate`, `must be between 0 and 1, got ${rate}`)
    return { file: path.resolve(dir, v.string(v.required(o.file, `${at}.file`), `${at}.file`)), minPassRate: rate }
  })

  const evaluation = root.evaluation === undefined ? undefined : evaluationSpec(v, root.evaluation, dir)
  const loggedRaw = root.logged_metrics === undefined ? {} : v.object(root.logged_metrics, 'logged_metrics', ['context', 'dataset'])
  if (evaluation && root.logged_metrics !== undefined) {
    v.fail('logged_metrics', 'cannot be combined with evaluation: the gate either evaluates both models itself or compares logged metrics')
  }
  const loggedMetrics = {
    context: loggedRaw.context === undefined ? 'evaluation' : v.string(loggedRaw.context, 'logged_metrics.context'),
    dataset: loggedRaw.dataset === undefined ? undefined : v.string(loggedRaw.dataset, 'logged_metrics.dataset'),
  }
  return { file, task, primary, guards, floors, limits, behaviouralTests, evaluation, loggedMetrics }
}

function evaluationSpec(v: Checker, raw: unknown, dir: string): EvaluationSpec {
  const o = v.object(raw, 'evaluation', ['dataset', 'version', 'frozen_for', 'path', 'file', 'label_field', 'text_field', 'limit', 'module'])
  let source: EvaluationSource
  if (o.path !== undefined) {
    for (const other of ['dataset', 'version', 'frozen_for', 'file'] as const) {
      if (o[other] !== undefined) v.fail(`evaluation.${other}`, `cannot be combined with evaluation.path (a local file)`)
    }
    source = { kind: 'path', path: path.resolve(dir, v.string(o.path, 'evaluation.path')) }
  } else {
    if (o.dataset === undefined) v.fail('evaluation', 'needs either dataset (a Railyard dataset, with version or frozen_for) or path (a local JSON Lines file)')
    const dataset = v.string(o.dataset, 'evaluation.dataset')
    if (o.version !== undefined && o.frozen_for !== undefined) v.fail('evaluation.frozen_for', 'cannot be combined with evaluation.version: name one version')
    if (o.version !== undefined) source = { kind: 'dataset', dataset, version: v.string(String(o.version), 'evaluation.version') }
    else if (o.frozen_for !== undefined) source = { kind: 'frozen', dataset, experiment: v.string(String(o.frozen_for), 'evaluation.frozen_for') }
    else {
      return v.fail('evaluation.version', `is required with evaluation.dataset: a version id (or 'latest'), or frozen_for: EXPERIMENT to use the version frozen for that experiment`)
    }
  }
  return {
    source,
    file: o.file === undefined ? undefined : v.string(o.file, 'evaluation.file'),
    labelField: o.label_field === undefined ? 'label' : v.string(o.label_field, 'evaluation.label_field'),
    textField: o.text_field === undefined ? undefined : v.string(o.text_field, 'evaluation.text_field'),
    limit: o.limit === undefined ? undefined : v.integer(o.limit, 'evaluation.limit', 1),
    module: o.module === undefined ? undefined : path.resolve(dir, v.string(o.module, 'evaluation.module')),
  }
}

/** Losses, errors, latencies and sizes are better low; everything else (accuracy, F1, recall, AUC …) high. */
export function inferDirection(metric: string): Direction {
  return /(loss|error|rmse|mse|mae|mape|latency|_ms$|bytes|size)/i.test(metric) ? 'minimize' : 'maximize'
}

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 }

/** Checks values at a field path and throws PolicyError naming it. */
class Checker {
  constructor(private readonly shown: string) {}

  fail(field: string, problem: string): never {
    throw new PolicyError(`${this.shown}: ${field || 'the policy'} ${problem}`)
  }

  required(value: unknown, field: string): unknown {
    if (value === undefined || value === null) this.fail(field, 'is required')
    return value
  }

  object(value: unknown, field: string, allowed?: readonly string[]): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(field, `must be a mapping (key: value lines), got ${describe(value)}`)
    }
    const o = value as Record<string, unknown>
    if (allowed) {
      for (const key of Object.keys(o)) {
        if (!allowed.includes(key)) this.fail(field ? `${field}.${key}` : key, `is not a known field (expected one of: ${allowed.join(', ')})`)
      }
    }
    return o
  }

  list(value: unknown, field: string): unknown[] {
    if (value === undefined || value === null) return []
    if (!Array.isArray(value)) this.fail(field, `must be a list (lines starting with '- '), got ${describe(value)}`)
    return value
  }

  string(value: unknown, field: string): string {
    if (typeof value !== 'string' || value.trim() === '') this.fail(field, `must be a non-empty string, got ${describe(value)}`)
    return value
  }

  oneOf<T extends string>(value: unknown, field: string, options: readonly T[]): T {
    if (!options.includes(value as T)) this.fail(field, `must be one of ${options.map((o) => `'${o}'`).join(', ')}, got ${describe(value)}`)
    return value as T
  }

  number(value: unknown, field: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(field, `must be a number, got ${describe(value)}`)
    return value
  }

  positive(value: unknown, field: string): number {
    const n = this.number(value, field)
    if (n <= 0) this.fail(field, `must be greater than 0, got ${n}`)
    return n
  }

  integer(value: unknown, field: string, min: number): number {
    const n = this.number(value, field)
    if (!Number.isInteger(n) || n < min) this.fail(field, `must be a whole number of at least ${min}, got ${n}`)
    return n
  }

  metric(value: unknown, field: string): string {
    const name = this.string(value, field)
    if (!/^[\w.\-/: ]+$/.test(name)) this.fail(field, `is not a metric name: '${name}'`)
    return name
  }

  direction(value: unknown, field: string, metric: string): Direction {
    return value === undefined ? inferDirection(metric) : this.oneOf(value, field, ['maximize', 'minimize'] as const)
  }

  bound(value: unknown, field: string): Bound {
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return { value, relative: false }
    const m = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value) : null
    if (m) return { value: Number(m[1]) / 100, relative: true }
    return this.fail(field, `must be a number of at least 0 (absolute) or a percentage like '2%' (relative to the champion), got ${describe(value)}`)
  }

  bytes(value: unknown, field: string): number {
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value
    const m = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)\s*$/i.exec(value) : null
    if (m) return Math.round(Number(m[1]) * UNITS[m[2].toLowerCase()])
    return this.fail(field, `must be a number of bytes or a size like '5MB' or '20 MiB', got ${describe(value)}`)
  }
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  return typeof value === 'string' ? `'${value}'` : String(value)
}
