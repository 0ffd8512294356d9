import { trackingCall } from './client.js'
import { toNumber } from '../lib/format.js'
import type { MetricPoint } from '../lib/metric-axis.js'

/** Points per run and chart: enough for a smooth line, few enough for a quick answer (the server samples evenly). */
export const CHART_POINTS = 1000

/**
 * One metric's history for up to 100 runs in one request, sampled by the server over the steps,
 * in step then time order per run id.
 */
export async function metricSeries(runIds: string[], key: string, maxPoints = CHART_POINTS): Promise<Map<string, MetricPoint[]>> {
  const res = await trackingCall('getMetricHistoryBulkInterval', { run_ids: runIds, metric_key: key, max_results: maxPoints })
  const out = new Map<string, MetricPoint[]>(runIds.map((id) => [id, []]))
  for (const m of res.metrics ?? []) out.get(m.run_id)?.push({ step: m.step, timestamp: m.timestamp, value: toNumber(m.value) })
  for (const points of out.values()) points.sort((a, b) => a.step - b.step || a.timestamp - b.timestamp)
  return out
}
