import { useEffect, useRef } from 'react'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

export interface ChartSeries {
  label: string
  /** [x, y] points in x order; y may be NaN or ±Infinity (drawn as gaps). */
  points: Array<[number, number]>
}

/** Distinct on white and for the common colour-vision deficiencies (Okabe–Ito, then Tableau). */
export const SERIES_COLORS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#6b7280', '#f0c400', '#8c564b', '#17becf']

const STEP_INCREMENTS = [1, 2, 5].flatMap((m) => Array.from({ length: 10 }, (_, e) => m * 10 ** e)).sort((a, b) => a - b)

/**
 * A line chart of one metric: one line per series over a shared x axis (steps unless `xLabel`
 * says otherwise; `wholeX` keeps ticks on whole numbers). Created once per set of series and fed
 * new points in place, so a live chart redraws without flicker and keeps the user's zoom until
 * the data changes shape.
 */
export function LineChart({
  series,
  xLabel = 'step',
  wholeX = true,
  height = 220,
  title,
}: {
  series: ChartSeries[]
  xLabel?: string
  wholeX?: boolean
  height?: number
  title: string
}) {
  const host = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const shape = series.map((s) => s.label).join('\u0000')
  const data = toAligned(series)
  const dense = series.some((s) => s.points.length > 40)

  useEffect(() => {
    const el = host.current
    if (!el) return
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      scales: { x: { time: false } },
      // One line needs no legend: the card's title names it.
      legend: { show: series.length > 1, live: true },
      cursor: { drag: { x: true, y: false } },
      axes: [
        // Steps are whole numbers: no ticks between them.
        { label: xLabel, labelSize: 18, size: 36, stroke: '#4b5563', grid: { stroke: '#eef0f3' }, ticks: { stroke: '#e5e7eb' }, incrs: wholeX ? STEP_INCREMENTS : undefined },
        { size: 56, stroke: '#4b5563', grid: { stroke: '#eef0f3' }, ticks: { stroke: '#e5e7eb' }, values: (_u, vals) => vals.map(tickLabel) },
      ],
      series: [
        { label: xLabel },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: SERIES_COLORS[i % SERIES_COLORS.length],
          width: 2,
          spanGaps: true,
          points: { show: !dense, size: 5 },
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : tickLabel(v)),
        })),
      ],
    }
    const u = new uPlot(opts, data, el)
    plot.current = u
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }))
    resize.observe(el)
    return () => {
      resize.disconnect()
      u.destroy()
      plot.current = null
    }
    // A new plot only when the lines themselves change; new points go through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape, height, xLabel, wholeX, dense])

  useEffect(() => {
    plot.current?.setData(data)
  })

  const drawn = series.reduce((n, s) => n + s.points.filter((p) => Number.isFinite(p[1])).length, 0)
  return <div className="chart" ref={host} role="img" aria-label={`Line chart of ${title} by ${xLabel}, ${drawn} point${drawn === 1 ? '' : 's'}`} />
}

/** uPlot wants one x array shared by all series; missing and non-finite values become gaps. */
function toAligned(series: ChartSeries[]): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b)
  const index = new Map(xs.map((x, i) => [x, i]))
  const ys = series.map((s) => {
    const col: Array<number | null> = new Array(xs.length).fill(null)
    for (const [x, y] of s.points) col[index.get(x)!] = Number.isFinite(y) ? y : null
    return col
  })
  return [xs, ...ys]
}

function tickLabel(v: number): string {
  if (v === 0) return '0'
  const abs = Math.abs(v)
  if (abs >= 1e6 || abs < 1e-3) return v.toExponential(1)
  return String(Number(v.toPrecision(4)))
}
