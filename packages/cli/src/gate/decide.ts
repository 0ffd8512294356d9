import type { Bound, Direction, GatePolicy } from './policy.js'
import type { Metrics } from './metrics.js'
import type { BehaviouralResult } from './behavioural.js'
import type { Latency } from './model-evaluation.js'
import { InputError } from './gate-error.js'

/** One rule of the policy applied to the candidate; the verdict is pass when every check is ok. */
export interface Check {
  kind: 'primary' | 'guard' | 'floor' | 'size' | 'latency' | 'behaviour'
  /** The metric, limit or test file checked. */
  name: string
  ok: boolean
  challenger?: number
  champion?: number
  /** challenger − champion. */
  delta?: number
  /** The rule in words: `improve by ≥ 0.01`, `≥ 0.45`, `≤ 5 MB`. */
  threshold: string
  /** What happened, in words; failing checks' details are the verdict's reasons. */
  detail: string
}

// Metric values are sums of floating-point fractions; a difference below this is no difference.
const EPS = 1e-9

/**
 * The metric checks: against the champion (primary improvement, guards), or, for a first
 * deployment (no champion), the floors. InputError when the challenger (or champion) lacks a
 * metric the policy names, listing the metrics it has.
 */
export function metricChecks(policy: GatePolicy, challenger: Metrics, champion: Metrics | undefined, names: { challenger: string; champion?: string }): Check[] {
  const need = (m: Metrics, metric: string, who: string) => {
    const value = m[metric]
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      const have = Object.keys(m).sort()
      throw new InputError(`${who} has no metric '${metric}' (the policy names it); it has: ${have.length ? have.join(', ') : 'none'}`)
    }
    return value
  }
  const checks: Check[] = []
  if (!champion) {
    for (const f of policy.floors) {
      const value = need(challenger, f.metric, names.challenger)
      const ok = f.direction === 'maximize' ? value >= f.value - EPS : value <= f.value + EPS
      const op = f.direction === 'maximize' ? '≥' : '≤'
      checks.push({
        kind: 'floor',
        name: f.metric,
        ok,
        challenger: value,
        threshold: `${op} ${fmt(f.value)}`,
        detail: `${f.metric} ${fmt(value)} ${ok ? 'meets' : 'misses'} the first-deployment floor ${op} ${fmt(f.value)}`,
      })
    }
    return checks
  }
  const { primary } = policy
  const c = need(challenger, primary.metric, names.challenger)
  const ch = need(champion, primary.metric, names.champion ?? 'the champion')
  const gain = better(primary.direction, c, ch)
  const required = amount(primary.minImprovement, ch)
  const ok = gain >= required - EPS
  checks.push({
    kind: 'primary',
    name: primary.metric,
    ok,
    challenger: c,
    champion: ch,
    delta: c - ch,
    threshold: `${primary.direction === 'maximize' ? 'higher' : 'lower'} by ≥ ${describeBound(primary.minImprovement, required)}`,
    detail: ok
      ? `${primary.metric} ${fmt(ch)} → ${fmt(c)} (${signed(c - ch)}), improves by at least ${describeBound(primary.minImprovement, required)}`
      : `${primary.metric} ${fmt(ch)} → ${fmt(c)} (${signed(c - ch)}): ${gain < 0 ? 'worse than the champion' : 'not enough improvement'}, needs ${describeBound(primary.minImprovement, required)}`,
  })
  for (const g of policy.guards) {
    const gc = need(challenger, g.metric, names.challenger)
    const gch = need(champion, g.metric, names.champion ?? 'the champion')
    const worsening = -better(g.direction, gc, gch)
    const allowed = amount(g.maxWorsening, gch)
    const gok = worsening <= allowed + EPS
    checks.push({
      kind: 'guard',
      name: g.metric,
      ok: gok,
      challenger: gc,
      champion: gch,
      delta: gc - gch,
      threshold: `worse by ≤ ${describeBound(g.maxWorsening, allowed)}`,
      detail: gok
        ? `${g.metric} ${fmt(gch)} → ${fmt(gc)} (${signed(gc - gch)}) within the guard`
        : `${g.metric} ${fmt(gch)} → ${fmt(gc)} (${signed(gc - gch)}): worse by ${fmt(worsening)}, more than the allowed ${describeBound(g.maxWorsening, allowed)}`,
    })
  }
  return checks
}

/** Size, latency and behavioural checks of the candidate. */
export function limitChecks(policy: GatePolicy, sizeBytes: number, latency: Latency | undefined, behaviour: BehaviouralResult[]): Check[] {
  const checks: Check[] = []
  const { maxModelBytes, maxP95LatencyMs } = policy.limits
  if (maxModelBytes !== undefined) {
    const ok = sizeBytes <= maxModelBytes
    checks.push({
      kind: 'size',
      name: 'model size',
      ok,
      challenger: sizeBytes,
      threshold: `≤ ${formatBytes(maxModelBytes)}`,
      detail: `the version's files take ${formatBytes(sizeBytes)}${ok ? '' : `, more than the limit of ${formatBytes(maxModelBytes)}`}`,
    })
  }
  if (maxP95LatencyMs !== undefined && latency) {
    const ok = latency.p95_ms <= maxP95LatencyMs
    checks.push({
      kind: 'latency',
      name: 'p95 latency',
      ok,
      challenger: latency.p95_ms,
      threshold: `≤ ${maxP95LatencyMs} ms`,
      detail: `p95 of ${latency.samples} single predictions is ${latency.p95_ms.toFixed(3)} ms${ok ? '' : `, over the limit of ${maxP95LatencyMs} ms`}`,
    })
  }
  for (const b of behaviour) {
    checks.push({
      kind: 'behaviour',
      name: b.file,
      ok: b.ok,
      challenger: b.pass_rate,
      threshold: `≥ ${pct(b.min_pass_rate)} pass`,
      detail: `${b.passed}/${b.cases} behavioural tests of ${b.file} pass${b.ok ? '' : ` (${pct(b.pass_rate)}, needs ${pct(b.min_pass_rate)}); first failure: line ${b.failures[0]?.line}: ${b.failures[0]?.detail}`}`,
    })
  }
  return checks
}

/** How much better `value` is than `base` in the metric's direction (negative: worse). */
function better(direction: Direction, value: number, base: number): number {
  return direction === 'maximize' ? value - base : base - value
}

function amount(bound: Bound, base: number): number {
  return bound.relative ? bound.value * Math.abs(base) : bound.value
}

function describeBound(bound: Bound, resolved: number): string {
  return bound.relative ? `${pct(bound.value)} (${fmt(resolved)})` : fmt(resolved)
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x)
  return Math.abs(x) >= 1000 ? x.toFixed(0) : Number(x.toPrecision(4)).toString()
}

export function signed(x: number): string {
  return `${x >= 0 ? '+' : '−'}${fmt(Math.abs(x))}`
}

export function pct(x: number): string {
  return `${Number((x * 100).toPrecision(4))}%`
}

export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} KB`
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`
  return `${(n / 1e9).toFixed(2)} GB`
}
