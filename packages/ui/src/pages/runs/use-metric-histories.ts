import { useEffect, useRef, useState } from 'react'
import type { Metric } from '@railyard/api'
import { metricSeries } from '../../api/metrics.js'
import type { MetricPoint } from '../../lib/metric-axis.js'

/**
 * The history of each of a run's metrics. `metrics` are the run's latest values, polled while it
 * runs; a key's history is fetched again only when its latest point changed, so a live run with
 * many metrics costs one request per metric that moved.
 */
export function useMetricHistories(runId: string, metrics: Metric[]): { histories: Record<string, MetricPoint[]>; error?: Error } {
  const [histories, setHistories] = useState<Record<string, MetricPoint[]>>({})
  const [error, setError] = useState<Error>()
  const fetched = useRef(new Map<string, string>())

  useEffect(() => {
    for (const m of metrics) {
      const signature = `${m.step}:${m.timestamp}:${m.value}`
      if (fetched.current.get(m.key) === signature) continue
      fetched.current.set(m.key, signature)
      metricSeries([runId], m.key).then(
        (byRun) => setHistories((s) => ({ ...s, [m.key]: byRun.get(runId) ?? [] })),
        (err: Error) => {
          fetched.current.delete(m.key)
          setError(err)
        },
      )
    }
  }, [runId, metrics])

  return { histories, error }
}
