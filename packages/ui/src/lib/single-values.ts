import type { MetricPoint } from './metric-axis.js'

/**
 * Splits metric keys by their histories: `charted` have more than one point somewhere (a line
 * says something), `single` have at most one point in every series (a final score: a line chart
 * would be one dot), `pending` have no history loaded yet. Each keeps the order of `keys`.
 */
export function splitByHistory(keys: string[], histories: (key: string) => MetricPoint[][] | undefined): { charted: string[]; single: string[]; pending: string[] } {
  const out = { charted: [] as string[], single: [] as string[], pending: [] as string[] }
  for (const key of keys) {
    const series = histories(key)
    if (!series) out.pending.push(key)
    else if (series.some((points) => points.length > 1)) out.charted.push(key)
    else out.single.push(key)
  }
  return out
}

/** Where one bar sits on its track, in percent of the track's width. */
export interface Bar {
  start: number
  width: number
}

/**
 * Horizontal bars for values that share a scale from zero: all ≥ 0 grow right from the left
 * edge, all ≤ 0 grow left from the right edge, mixed signs grow both ways from a zero line in
 * between. A value that is missing or not finite gets no bar (its text says what it is).
 */
export function barGeometry(values: Array<number | undefined>): { bars: Array<Bar | undefined>; zero: number } {
  const finite = values.filter((v): v is number => v !== undefined && Number.isFinite(v))
  const lo = Math.min(0, ...finite)
  const hi = Math.max(0, ...finite)
  const span = hi - lo
  const zero = lo === 0 ? 0 : (-lo / span) * 100
  const bars = values.map((v): Bar | undefined => {
    if (v === undefined || !Number.isFinite(v)) return undefined
    if (span === 0) return { start: 0, width: 0 }
    const at = ((v - lo) / span) * 100
    return { start: Math.min(at, zero), width: Math.abs(at - zero) }
  })
  return { bars, zero }
}
