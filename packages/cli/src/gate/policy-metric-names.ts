import type { GatePolicy } from './policy.js'
import type { Metrics } from './metrics.js'
import { InputError } from './gate-error.js'

const CLASSIFICATION = ['accuracy', 'macro_f1', 'macro_precision', 'macro_recall', 'log_loss']
const PER_CLASS = ['precision', 'recall', 'f1']
const REGRESSION = ['rmse', 'mae', 'r2']

/** Every metric name the policy uses, once, in the order it names them. */
export function policyMetricNames(policy: GatePolicy): string[] {
  return [...new Set([policy.primary.metric, ...policy.guards.map((g) => g.metric), ...policy.floors.map((f) => f.metric)])]
}

/**
 * Checks, before any model predicts, that the gate's own metrics include every name the policy
 * uses, so a typo costs seconds rather than two full evaluations. Per-class names must name a
 * label of the evaluation data. With a user evaluation module any other name may come from it,
 * and is checked once the candidate is scored (`requireMetrics`).
 */
export function checkPolicyMetricNames(policy: GatePolicy, labels: unknown[]): void {
  if (policy.evaluation?.module) return
  const classes = [...new Set(labels.map(String))].sort()
  const known = new Set(policy.task === 'regression' ? REGRESSION : CLASSIFICATION)
  const unknown = policyMetricNames(policy).filter((name) => {
    if (known.has(name)) return false
    if (policy.task === 'regression') return true
    const [kind, ...rest] = name.split('.')
    return !(PER_CLASS.includes(kind) && rest.length > 0 && classes.includes(rest.join('.')))
  })
  if (unknown.length === 0) return
  const computed =
    policy.task === 'regression'
      ? REGRESSION.join(', ')
      : `${CLASSIFICATION.join(', ')}, and precision.<class>, recall.<class>, f1.<class> for the evaluation data's labels (${clipList(classes)})`
  throw new InputError(
    `the policy names ${unknown.map((n) => `'${n}'`).join(', ')}, which the gate does not compute for ${policy.task}: it computes ${computed}; ` +
      'other metrics need evaluation.module',
  )
}

/** InputError when `metrics` (the candidate's, just scored) lacks a metric the policy names. */
export function requireMetrics(policy: GatePolicy, metrics: Metrics, who: string): void {
  const missing = policyMetricNames(policy).filter((name) => typeof metrics[name] !== 'number' || !Number.isFinite(metrics[name]))
  if (missing.length === 0) return
  const have = Object.keys(metrics).sort()
  throw new InputError(`${who} has no metric ${missing.map((n) => `'${n}'`).join(', ')} (the policy names it); it has: ${have.length ? have.join(', ') : 'none'}`)
}

function clipList(values: string[], max = 20): string {
  return values.length > max ? `${values.slice(0, max).join(', ')}, … ${values.length - max} more` : values.join(', ')
}
