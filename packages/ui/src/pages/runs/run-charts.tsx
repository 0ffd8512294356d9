import { useEffect, useRef, useState } from 'react'
import type { Metric } from '@railyard/api'
import { metricSeries } from '../../api/metrics.js'
import { LineChart } from '../../components/line-chart.js'
import { Empty, ErrorMessage } from '../../components/states.js'
import { formatMetric } from '../../lib/format.js'
import { chartPoints, chooseAxis, type MetricPoint } from '../../lib/metric-axis.js'

/**
 * One chart per metric key. `metrics` are the run's latest values, polled while it runs; a key's
 * history is fetched again only when its latest point changed, so a live run with many metrics
 * costs one request per metric that moved.
 */
export function RunCharts({ runId, metrics, running }: { runId: string; metrics: Metric[]; running: boolean }) {
  const [series, setSeries] = useState<Record<string, MetricPoint[]>>({})
  const [error, setError] = useState<Error>()
  const fetched = useRef(new Map<string, string>())

  useEffect(() => {
    for (const m of metrics) {
      const signature = `${m.step}:${m.timestamp}:${m.value}`
      if (fetched.current.get(m.key) === signature) continue
      fetched.current.set(m.key, signature)
      metricSeries([runId], m.key).then(
        (byRun) => setSeries((s) => ({ ...s, [m.key]: byRun.get(runId) ?? [] })),
        (err: Error) => {
          fetched.current.delete(m.key)
          setError(err)
        },
      )
    }
  }, [runId, metrics])

  if (metrics.length === 0) {
    return <Empty title={running ? 'No metrics yet; charts appear as the run logs them.' : 'This run logged no metrics.'} />
  }
  const keys = metrics.map((m) => m.key).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
  return (
    <>
      {error && <ErrorMessage error={error} title="Could not load a metric's history" />}
      <div className="chart-grid">
        {keys.map((key) => {
          const latest = metrics.find((m) => m.key === key)!
          return (
            <figure key={key} className="chart-card">
              <figcaption>
                <span>{key}</span>
                <span className="chart-latest" title={`step ${latest.step}`}>
                  {formatMetric(latest.value)}
                </span>
              </figcaption>
              {series[key] ? <MetricChart metric={key} points={series[key]} /> : <div className="chart-placeholder">Loading…</div>}
            </figure>
          )
        })}
      </div>
    </>
  )
}

function MetricChart({ metric, points }: { metric: string; points: MetricPoint[] }) {
  const axis = chooseAxis([points])
  return <LineChart title={metric} series={[{ label: metric, points: chartPoints(points, axis) }]} xLabel={axis.label} wholeX={axis.kind === 'step'} height={180} />
}
