import { useState } from 'react'
import type { Run } from '@railyard/api'
import { experiments, runs as runsApi } from '../../api/client.js'
import { metricSeries } from '../../api/metrics.js'
import { BarChart } from '../../components/bar-chart.js'
import { PageHeader, Section } from '../../components/layout.js'
import { Link } from '../../components/link.js'
import { StatusBadge } from '../../components/badges.js'
import { DatasetChip } from '../../components/dataset-chip.js'
import { LineChart, SERIES_COLORS } from '../../components/line-chart.js'
import { Empty, ErrorMessage, Loading } from '../../components/states.js'
import { formatDelta, formatMetric, toNumber } from '../../lib/format.js'
import { chartPoints, chooseAxis } from '../../lib/metric-axis.js'
import { splitByHistory } from '../../lib/single-values.js'
import { path } from '../../lib/router.js'
import { COMMIT_TAG, columnKeys, inputLinks, metricOf, paramOf, runName, tagOf } from '../../lib/run-columns.js'
import { useAsync } from '../../lib/use-async.js'

/** Runs side by side: metrics (with the change from the first run), params that differ, data, and overlaid charts. */
export function ComparePage({ experimentId, runIds }: { experimentId: string; runIds: string[] }) {
  const experiment = useAsync(() => experiments.get(experimentId), [experimentId])
  const loaded = useAsync(() => Promise.all(runIds.map((id) => runsApi.get(id))), [runIds.join(',')])
  const crumbs = [
    { label: 'Experiments', href: '/experiments' },
    { label: experiment.data?.name ?? experimentId, href: path('experiments', experimentId) },
  ]
  if (runIds.length === 0) {
    return (
      <>
        <PageHeader crumbs={crumbs} title="Compare runs" />
        <Empty title="No runs selected.">Go back to the experiment and tick two or more runs, then press Compare.</Empty>
      </>
    )
  }
  if (loaded.error) return <ErrorMessage error={loaded.error} title="Could not load the runs to compare" onRetry={loaded.reload} />
  if (!loaded.data) return <Loading what="Loading runs" />
  const runs = loaded.data
  return (
    <>
      <PageHeader crumbs={crumbs} title={`Compare ${runs.length} runs`} subtitle="Changes are shown against the first run." />
      <RunLegend runs={runs} />
      <div className="two-col wide-left">
        <MetricsTable runs={runs} />
        <ParamsTable runs={runs} />
      </div>
      <CompareCharts runs={runs} />
    </>
  )
}

function RunLegend({ runs }: { runs: Run[] }) {
  return (
    <div className="card">
      <div className="table-wrap">
        <table className="table" aria-label="Compared runs">
          <thead>
            <tr>
              <th>Run</th>
              <th>Status</th>
              <th>Commit</th>
              <th>Data</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run, i) => (
              <tr key={run.info.run_id}>
                <td>
                  <span className="swatch" style={{ background: SERIES_COLORS[i % SERIES_COLORS.length] }} aria-hidden="true" />
                  <Link href={path('runs', run.info.run_id)}>{runName(run)}</Link>
                  {i === 0 && <span className="muted small"> (baseline)</span>}
                </td>
                <td>
                  <StatusBadge status={run.info.status} />
                </td>
                <td className="mono">{tagOf(run, COMMIT_TAG)?.slice(0, 10) ?? '—'}</td>
                <td>
                  {inputLinks(run).map((input) => (
                    <DatasetChip key={input.name + input.digest} input={input} />
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  )
}

function MetricsTable({ runs }: { runs: Run[] }) {
  const keys = columnKeys(runs).metrics
  return (
    <Section title="Metrics">
      {keys.length === 0 ? (
        <Empty title="None of these runs logged a metric." />
      ) : (
        <div className="table-wrap">
          <table className="table compare-table" aria-label="Metrics of the compared runs">
            <thead>
              <tr>
                <th>Metric</th>
                {runs.map((r) => (
                  <th key={r.info.run_id} className="num">
                    {runName(r)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => {
                const base = toNumber(metricOf(runs[0], key))
                return (
                  <tr key={key}>
                    <th scope="row">{key}</th>
                    {runs.map((r, i) => {
                      const v = metricOf(r, key)
                      const delta = i > 0 && v !== undefined && Number.isFinite(base) ? toNumber(v) - base : undefined
                      return (
                        <td key={r.info.run_id} className="num">
                          {formatMetric(v)}
                          {delta !== undefined && Number.isFinite(delta) && <span className={`delta ${delta > 0 ? 'up' : delta < 0 ? 'down' : ''}`}> {formatDelta(delta)}</span>}
                        </td>
                      )
                    })}
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  )
}

function ParamsTable({ runs }: { runs: Run[] }) {
  const keys = columnKeys(runs).params
  const differs = (key: string) => new Set(runs.map((r) => paramOf(r, key))).size > 1
  const [onlyDiffs, setOnlyDiffs] = useState(keys.length > 12)
  const shown = onlyDiffs ? keys.filter(differs) : keys
  return (
    <Section
      title="Parameters"
      actions={
        <label className="check">
          <input type="checkbox" checked={onlyDiffs} onChange={(e) => setOnlyDiffs(e.target.checked)} /> Only differences
        </label>
      }
    >
      {shown.length === 0 ? (
        <Empty title={keys.length === 0 ? 'None of these runs logged a parameter.' : 'All parameters are the same.'} />
      ) : (
        <div className="table-wrap">
          <table className="table compare-table" aria-label="Parameters of the compared runs">
            <thead>
              <tr>
                <th>Parameter</th>
                {runs.map((r) => (
                  <th key={r.info.run_id}>{runName(r)}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {shown.map((key) => (
                <tr key={key} className={differs(key) ? 'differs' : undefined}>
                  <th scope="row">{key}</th>
                  {runs.map((r) => (
                    <td key={r.info.run_id} className="param-cell">
                      {paramOf(r, key) ?? '—'}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  )
}

/**
 * A line chart per metric that some run logged at more than one point, runs overlaid; metrics
 * with one value per run (final scores) as bars side by side, where lines would be single dots.
 */
function CompareCharts({ runs }: { runs: Run[] }) {
  const keys = columnKeys(runs).metrics
  const ids = runs.map((r) => r.info.run_id)
  const series = useAsync(() => Promise.all(keys.map((k) => metricSeries(ids, k))), [ids.join(','), keys.join('\u0000')])
  if (keys.length === 0) return null
  if (!series.data) {
    return (
      <Section title="Metric history">
        {series.error ? <ErrorMessage error={series.error} title="Could not load the metric histories" onRetry={series.reload} /> : <Loading what="Loading metric histories" />}
      </Section>
    )
  }
  const byKey = new Map(keys.map((key, i) => [key, runs.map((r) => series.data![i].get(r.info.run_id) ?? [])]))
  const { charted, single } = splitByHistory(keys, (k) => byKey.get(k))
  return (
    <>
      {charted.length > 0 && (
        <Section title="Metric history">
          <div className="chart-grid">
            {charted.map((key) => {
              const byRun = byKey.get(key)!
              const axis = chooseAxis(byRun)
              return (
                <figure key={key} className="chart-card">
                  <figcaption>{key}</figcaption>
                  <LineChart
                    title={key}
                    series={runs.map((r, j) => ({ label: runName(r), points: chartPoints(byRun[j], axis) }))}
                    xLabel={axis.label}
                    wholeX={axis.kind === 'step'}
                  />
                </figure>
              )
            })}
          </div>
        </Section>
      )}
      {single.length > 0 && (
        <Section title="Single-value metrics">
          <div className="chart-grid bar-grid">
            {single.map((key) => (
              <figure key={key} className="chart-card">
                <figcaption>{key}</figcaption>
                <BarChart
                  title={key}
                  rows={runs.map((r, j) => {
                    const v = metricOf(r, key)
                    return { label: runName(r), color: SERIES_COLORS[j % SERIES_COLORS.length], value: v === undefined ? undefined : toNumber(v) }
                  })}
                />
              </figure>
            ))}
          </div>
        </Section>
      )}
    </>
  )
}
