import { useRef } from 'react'
import type { Metric } from '@railyard/api'
import { LineChart } from '../../components/line-chart.js'
import { Empty, ErrorMessage, Loading } from '../../components/states.js'
import { formatMetric } from '../../lib/format.js'
import { chartPoints, chooseAxis, type MetricPoint } from '../../lib/metric-axis.js'
import { splitByHistory } from '../../lib/single-values.js'

/**
 * One chart per metric with more than one point. Metrics with a single value (final scores)
 * would be one dot each: they are listed with their values above the charts instead.
 */
export function RunCharts({
  metrics,
  histories,
  error,
  running,
}: {
  metrics: Metric[]
  histories: Record<string, MetricPoint[]>
  error?: Error
  running: boolean
}) {
  const keys = metrics.map((m) => m.key).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
  const { charted, single, pending } = splitByHistory(keys, (k) => histories[k] && [histories[k]])
  // Until every history has come once, which metric is a chart and which a value is not known:
  // one loading line rather than tiles and charts that move about as the answers arrive.
  const settled = useRef(false)
  if (pending.length === 0) settled.current = true
  if (metrics.length === 0) {
    return <Empty title={running ? 'No metrics yet; charts appear as the run logs them.' : 'This run logged no metrics.'} />
  }
  if (!settled.current && !error) return <Loading what="Loading metric histories" />
  return (
    <>
      {error && <ErrorMessage error={error} title="Could not load a metric's history" />}
      {single.length > 0 && (
        <div className="summary-metrics">
          <h3>Summary metrics</h3>
          <dl>
            {single.map((key) => {
              const latest = metrics.find((m) => m.key === key)!
              return (
                <div key={key}>
                  <dt>{key}</dt>
                  <dd title={`step ${latest.step}`}>{formatMetric(latest.value)}</dd>
                </div>
              )
            })}
          </dl>
          <p className="muted small">
            {single.length === 1 ? 'This metric has' : 'These metrics have'} a single value{running ? ' so far' : ''}, so {single.length === 1 ? 'it is' : 'they are'} not
            charted.
          </p>
        </div>
      )}
      {charted.length > 0 && (
        <div className="chart-grid">
          {charted.map((key) => {
            const latest = metrics.find((m) => m.key === key)!
            return (
              <figure key={key} className="chart-card">
                <figcaption>
                  <span>{key}</span>
                  <span className="chart-latest" title={`step ${latest.step}`}>
                    {formatMetric(latest.value)}
                  </span>
                </figcaption>
                <MetricChart metric={key} points={histories[key]} />
              </figure>
            )
          })}
        </div>
      )}
      {pending.length > 0 && !error && <Loading what={`Loading ${pending.length === 1 ? 'a metric history' : `${pending.length} metric histories`}`} />}
    </>
  )
}

function MetricChart({ metric, points }: { metric: string; points: MetricPoint[] }) {
  const axis = chooseAxis([points])
  return <LineChart title={metric} series={[{ label: metric, points: chartPoints(points, axis) }]} xLabel={axis.label} wholeX={axis.kind === 'step'} height={180} />
}
