/** One point of a metric's history as the charts use it; `value` may be NaN or ±Infinity. */
export interface MetricPoint {
  step: number
  /** Milliseconds since the epoch. */
  timestamp: number
  value: number
}

/** What a metric chart puts along x. */
export interface XAxis {
  kind: 'step' | 'time'
  label: string
}

export const STEP_AXIS: XAxis = { kind: 'step', label: 'step' }
export const TIME_AXIS: XAxis = { kind: 'time', label: 'seconds since first point' }

/**
 * Steps, unless some series has two points at one step: a metric logged without steps (MLflow's
 * and the SDK's default step is 0) has all its points at step 0, and along steps they would
 * collapse into one dot. Those are spread along the time they were logged instead, as MLflow's
 * "relative time" axis does. All series of one chart share the axis.
 */
export function chooseAxis(series: MetricPoint[][]): XAxis {
  for (const points of series) {
    const steps = new Set<number>()
    for (const p of points) {
      if (steps.has(p.step)) return TIME_AXIS
      steps.add(p.step)
    }
  }
  return STEP_AXIS
}

/**
 * [x, value] pairs in x order for `axis`. Along time, x is seconds since the series' own first
 * point, and points logged in the same millisecond are set a millisecond apart, in the order
 * they were logged, so none hides another.
 */
export function chartPoints(points: MetricPoint[], axis: XAxis): Array<[number, number]> {
  if (axis.kind === 'step') return points.map((p): [number, number] => [p.step, p.value]).sort((a, b) => a[0] - b[0])
  const byTime = [...points].sort((a, b) => a.timestamp - b.timestamp || a.step - b.step)
  const start = byTime[0]?.timestamp ?? 0
  const out: Array<[number, number]> = []
  let last = -Infinity
  for (const p of byTime) {
    const ms = Math.max(p.timestamp - start, last + 1)
    last = ms
    out.push([ms / 1000, p.value])
  }
  return out
}
