import { useState } from 'react'
import { experiments } from '../../api/client.js'
import { experimentFreezes } from '../../api/datasets.js'
import { PageHeader } from '../../components/layout.js'
import { Link } from '../../components/link.js'
import { Command, Empty, ErrorMessage, Loading } from '../../components/states.js'
import { COLUMN_GROUPS, shownColumns, type GroupKeys } from '../../lib/column-choice.js'
import { formatTime, shortId } from '../../lib/format.js'
import { navigate, path, setQuery, useLocation, withQuery } from '../../lib/router.js'
import { DEFAULT_ORDER, columnKeys, sortStateOf } from '../../lib/run-columns.js'
import { useAsync, useInterval } from '../../lib/use-async.js'
import { ColumnChooser } from './column-chooser.js'
import { RunFilter } from './run-filter.js'
import { RunsTable } from './runs-table.js'
import { useColumnChoice } from './use-column-choice.js'
import { useRunSearch } from './use-run-search.js'

/** One experiment: its frozen data, and its runs to filter, sort and compare. */
export function ExperimentPage({ id }: { id: string }) {
  const { query } = useLocation()
  const filter = query.get('filter') ?? ''
  const order = query.get('order') ?? DEFAULT_ORDER
  const experiment = useAsync(() => experiments.get(id), [id])
  const freezes = useAsync(() => experimentFreezes(id), [id])
  const search = useRunSearch(id, filter, order)
  const [selected, setSelected] = useState<Set<string>>(new Set())
  const [choice, setChoice] = useColumnChoice(id)
  const anyRunning = search.runs?.some((r) => r.info.status === 'RUNNING') ?? false
  useInterval(search.refresh, anyRunning ? 5000 : null)

  if (experiment.error) return <ErrorMessage error={experiment.error} title="Could not load the experiment" onRetry={experiment.reload} />
  if (!experiment.data) return <Loading what="Loading experiment" />
  const exp = experiment.data
  const filterRefused = search.error !== undefined && filter !== '' && search.runs === undefined
  const compare = () => navigate(withQuery(path('experiments', id, 'compare'), { runs: [...selected].join(',') }))
  const found = columnKeys(search.runs ?? [])
  const keys: GroupKeys = { metric: found.metrics, param: found.params, tag: found.tags }
  const columns = shownColumns(keys, search.runs ?? [], choice)
  const hiddenSort = hiddenSortKey(order, keys, columns)

  return (
    <>
      <PageHeader
        crumbs={[{ label: 'Experiments', href: '/experiments' }]}
        title={exp.name}
        badges={exp.lifecycle_stage === 'deleted' ? <span className="badge status-killed">deleted</span> : undefined}
        subtitle={
          <>
            ID <span className="mono">{exp.experiment_id}</span> · created {formatTime(exp.creation_time)} · artifacts{' '}
            <span className="mono">{exp.artifact_location}</span>
          </>
        }
        actions={
          <button type="button" className="button primary" disabled={selected.size < 2} onClick={compare} title="Select two or more runs to compare">
            Compare {selected.size > 1 ? `${selected.size} runs` : 'runs'}
          </button>
        }
      />
      {freezes.data && freezes.data.length > 0 && (
        <div className="freeze-strip" aria-label="Frozen dataset versions">
          <span className="muted">Data frozen for this experiment:</span>
          {freezes.data.map((f) => (
            <Link key={f.dataset} className="chip chip-link" href={path('datasets', f.dataset, 'versions', f.version.id)} title={`frozen ${formatTime(f.frozen_at)}${f.frozen_by ? ` by ${f.frozen_by}` : ''}`}>
              {f.dataset} <span className="mono">@{shortId(f.version.short_id, 8)}</span>
            </Link>
          ))}
        </div>
      )}
      <div className="card">
        <div className="runs-toolbar">
          <RunFilter value={filter} onApply={(f) => setQuery({ filter: f || undefined })} error={filterRefused ? search.error : undefined} />
          <div className="runs-meta">
            {search.runs && (
              <span className="muted small" aria-live="polite">
                {search.runs.length}
                {search.hasMore ? '+' : ''} {search.runs.length === 1 && !search.hasMore ? 'run' : 'runs'}
                {anyRunning ? ' · live' : ''}
              </span>
            )}
            <button type="button" className="button subtle" onClick={search.refresh} disabled={search.loading}>
              {search.loading ? 'Loading…' : 'Refresh'}
            </button>
            {search.runs && search.runs.length > 0 && <ColumnChooser keys={keys} shown={columns} choice={choice} onChange={setChoice} />}
          </div>
        </div>
        {search.error && !filterRefused && <ErrorMessage error={search.error} title="Could not load the runs" onRetry={search.refresh} />}
        {!search.runs && !search.error && <Loading what="Loading runs" />}
        {search.runs &&
          (search.runs.length === 0 ? (
            filter ? (
              <Empty title="No run matches this filter." />
            ) : (
              <Empty title="No runs in this experiment yet.">
                Start one from your project; Railyard records the command's output, its git commit and the data it used:
                <Command>{`npx railyard run -e ${shellQuote(exp.name)} -- python train.py`}</Command>
                Any MLflow client works too: set <code>MLFLOW_TRACKING_URI={window.location.origin}</code> and{' '}
                <code>MLFLOW_EXPERIMENT_NAME={exp.name}</code>.
              </Empty>
            )
          ) : (
            <>
              <RunsTable
                runs={search.runs}
                columns={columns}
                order={order}
                onOrder={(clause) => setQuery({ order: clause === DEFAULT_ORDER ? undefined : clause })}
                selected={selected}
                onSelect={setSelected}
              />
              {search.hasMore && (
                <div className="load-more">
                  <button type="button" className="button" onClick={search.loadMore} disabled={search.loading}>
                    Load more runs
                  </button>
                </div>
              )}
              <p className="muted small table-note">
                Select runs with the checkboxes to compare them; click a column header to sort.
                {hiddenSort && (
                  <>
                    {' '}
                    Sorted by <span className="mono">{hiddenSort}</span>, a hidden column.
                  </>
                )}
              </p>
            </>
          ))}
      </div>
    </>
  )
}

/** The key the runs are sorted by when its column is hidden, so the order is not a mystery. */
function hiddenSortKey(order: string, keys: GroupKeys, shown: GroupKeys): string | undefined {
  for (const group of COLUMN_GROUPS) {
    const visible = new Set(shown[group])
    const key = keys[group].find((k) => !visible.has(k) && sortStateOf(order, group, k) !== undefined)
    if (key !== undefined) return key
  }
  return undefined
}

function shellQuote(s: string): string {
  return /^[\w.-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
}
