import { useLayoutEffect, useRef, type ReactNode } from 'react'
import type { Run } from '@railyard/api'
import { Link } from '../../components/link.js'
import { StatusBadge } from '../../components/badges.js'
import { DatasetChip } from '../../components/dataset-chip.js'
import { SortArrow } from '../../components/data-table.js'
import { formatDuration, formatMetric, formatTime, runDuration, timeAgo } from '../../lib/format.js'
import type { GroupKeys } from '../../lib/column-choice.js'
import { path } from '../../lib/router.js'
import {
  COMMIT_TAG,
  inputLinks,
  metricOf,
  orderClause,
  paramOf,
  runName,
  sortStateOf,
  tagOf,
  type ColumnKind,
} from '../../lib/run-columns.js'

/**
 * The runs of an experiment, one row each, with a column per chosen metric, param and tag.
 * Sorting asks the server (MLflow's order_by), so it orders every run, not just the loaded page.
 * The header rows and the run column stay in view while the table scrolls either way.
 */
export function RunsTable({
  runs,
  columns,
  order,
  onOrder,
  selected,
  onSelect,
}: {
  runs: Run[]
  /** The metric, param and tag columns to show, in order. */
  columns: GroupKeys
  order: string
  onOrder: (clause: string) => void
  selected: Set<string>
  onSelect: (ids: Set<string>) => void
}) {
  const keys = { metrics: columns.metric, params: columns.param, tags: columns.tag }
  const wrap = useRef<HTMLDivElement>(null)
  const runHeader = useRef<HTMLTableCellElement>(null)
  // The group labels (Metrics, Parameters, Tags) stick just right of the run column, whose width
  // follows the longest run name.
  useLayoutEffect(() => {
    const th = runHeader.current
    if (!th) return
    // Measured from the scroll box's inner edge, where sticky offsets count from.
    const measure = () => {
      const box = wrap.current
      if (box) box.style.setProperty('--run-col-end', `${th.getBoundingClientRect().right - box.getBoundingClientRect().left - box.clientLeft}px`)
    }
    measure()
    const resize = new ResizeObserver(measure)
    resize.observe(th)
    return () => resize.disconnect()
  }, [])
  const allSelected = runs.length > 0 && runs.every((r) => selected.has(r.info.run_id))
  const toggle = (id: string) => {
    const next = new Set(selected)
    if (next.has(id)) next.delete(id)
    else next.add(id)
    onSelect(next)
  }
  const header = (kind: ColumnKind, key: string, label: ReactNode, numeric = false) => {
    const state = sortStateOf(order, kind, key)
    // First click: numbers and times biggest first, names A→Z; then the other way.
    const next = orderClause(kind, key, state === undefined ? numeric || key === 'start_time' : state === 'asc')
    return (
      <th key={`${kind}:${key}`} ref={key === 'run_name' ? runHeader : undefined} className={numeric ? 'num' : undefined} aria-sort={state === 'asc' ? 'ascending' : state === 'desc' ? 'descending' : 'none'}>
        <button type="button" className="sort-button" onClick={() => onOrder(next)} title={`Sort by ${key}`}>
          {label}
          <SortArrow active={state !== undefined} desc={state === 'desc'} />
        </button>
      </th>
    )
  }

  return (
    <div className="table-wrap runs-table-wrap" ref={wrap}>
      <table className="table runs-table" aria-label="Runs">
        <thead>
          <tr className="group-row">
            <th colSpan={2} className="group-corner" />
            <th colSpan={4} />
            {keys.metrics.length > 0 && (
              <th colSpan={keys.metrics.length} className="group group-metrics">
                <span className="group-label">Metrics</span>
              </th>
            )}
            {keys.params.length > 0 && (
              <th colSpan={keys.params.length} className="group group-params">
                <span className="group-label">Parameters</span>
              </th>
            )}
            {keys.tags.length > 0 && (
              <th colSpan={keys.tags.length} className="group group-tags">
                <span className="group-label">Tags</span>
              </th>
            )}
          </tr>
          <tr>
            <th className="select-col">
              <input
                type="checkbox"
                aria-label="Select all runs"
                checked={allSelected}
                onChange={() => onSelect(allSelected ? new Set() : new Set(runs.map((r) => r.info.run_id)))}
              />
            </th>
            {header('attribute', 'run_name', 'Run')}
            {header('attribute', 'status', 'Status')}
            {header('attribute', 'start_time', 'Created')}
            <th>Duration</th>
            <th>Data</th>
            {keys.metrics.map((k) => header('metric', k, k, true))}
            {keys.params.map((k) => header('param', k, k))}
            {keys.tags.map((k) => header('tag', k, k))}
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => {
            const id = run.info.run_id
            const commit = tagOf(run, COMMIT_TAG)
            return (
              <tr key={id} className={selected.has(id) ? 'selected' : undefined}>
                <td className="select-col">
                  <input type="checkbox" aria-label={`Select run ${runName(run)}`} checked={selected.has(id)} onChange={() => toggle(id)} />
                </td>
                <td className="run-name-cell">
                  <Link href={path('runs', id)}>{runName(run)}</Link>
                  {commit && (
                    <span className="mono muted small" title={`commit ${commit}`}>
                      {' '}
                      {commit.slice(0, 7)}
                    </span>
                  )}
                </td>
                <td>
                  <StatusBadge status={run.info.status} />
                </td>
                <td title={formatTime(run.info.start_time)}>{timeAgo(run.info.start_time)}</td>
                <td className="num">{formatDuration(runDuration(run.info))}</td>
                <td className="data-cell">
                  {inputLinks(run).map((input) => (
                    <DatasetChip key={`${input.name}@${input.digest}`} input={input} />
                  ))}
                </td>
                {keys.metrics.map((k) => (
                  <td key={`m:${k}`} className="num">
                    {formatMetric(metricOf(run, k))}
                  </td>
                ))}
                {keys.params.map((k) => (
                  <td key={`p:${k}`} className="param-cell">
                    {paramOf(run, k) ?? '—'}
                  </td>
                ))}
                {keys.tags.map((k) => (
                  <td key={`t:${k}`}>{tagOf(run, k) ?? '—'}</td>
                ))}
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
