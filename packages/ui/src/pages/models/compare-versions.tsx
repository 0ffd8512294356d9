import type { DatasetRef, ModelVersion, ModelVersionComparison } from '@railyard/api'
import { compareVersions } from '../../api/registry.js'
import { Link } from '../../components/link.js'
import { ErrorMessage, Loading } from '../../components/states.js'
import { formatBytes, formatDelta, formatMetric, shortId } from '../../lib/format.js'
import { path, setQuery, withQuery } from '../../lib/router.js'
import { useAsync } from '../../lib/use-async.js'

/**
 * This version (the candidate) against another (the base, production by default): metric deltas,
 * parameter changes, data and code differences, changed files. Deltas are candidate − base.
 */
export function CompareVersions({
  name,
  version,
  base,
  versions,
  production,
}: {
  name: string
  version: string
  base?: string
  versions: ModelVersion[]
  production?: string
}) {
  const others = versions.filter((v) => v.version !== version)
  const picker = (
    <label className="inline-label">
      Compare with{' '}
      <select value={base ?? ''} onChange={(e) => setQuery({ against: e.target.value || undefined })}>
        {!base && <option value="">choose a version…</option>}
        {others.map((v) => (
          <option key={v.version} value={v.version}>
            version {v.version}
            {v.version === production ? ' (production)' : ''}
          </option>
        ))}
      </select>
    </label>
  )
  if (others.length === 0) return <p className="muted">This is the model's only version; there is nothing to compare it with.</p>
  return (
    <>
      <div className="compare-head">
        {picker}
        {base && (
          <span className="muted small">
            Deltas are this version (v{version}) minus v{base}
            {base === production ? ', in production' : ''}.
          </span>
        )}
      </div>
      {base ? <Comparison name={name} base={base} candidate={version} /> : <p className="muted">No version is in production; pick one to compare with.</p>}
    </>
  )
}

function Comparison({ name, base, candidate }: { name: string; base: string; candidate: string }) {
  const cmp = useAsync(() => compareVersions(name, base, candidate), [name, base, candidate])
  if (cmp.error) return <ErrorMessage error={cmp.error} title="Could not compare the versions" onRetry={cmp.reload} />
  if (!cmp.data) return <Loading what="Comparing" />
  const c = cmp.data
  return (
    <div className="compare-grid">
      <MetricDeltas c={c} />
      <ParamDiff c={c} />
      <DataDiff c={c} />
      <CodeDiff c={c} />
      <FilesDiff c={c} />
    </div>
  )
}

function MetricDeltas({ c }: { c: ModelVersionComparison }) {
  const metrics = c.metrics ?? []
  return (
    <div className="compare-block">
      <h3>Metrics</h3>
      {metrics.length === 0 ? (
        <p className="muted">Neither version's run logged metrics.</p>
      ) : (
        <table className="table" aria-label="Metric deltas">
          <thead>
            <tr>
              <th>Metric</th>
              <th className="num">v{c.version_a.version}</th>
              <th className="num">v{c.version_b.version}</th>
              <th className="num">Change</th>
            </tr>
          </thead>
          <tbody>
            {metrics.map((m) => (
              <tr key={m.key}>
                <th scope="row">{m.key}</th>
                <td className="num">{formatMetric(m.a)}</td>
                <td className="num">{formatMetric(m.b)}</td>
                <td className="num">
                  {m.delta !== undefined ? <span className={`delta ${m.delta > 0 ? 'up' : m.delta < 0 ? 'down' : ''}`}>{formatDelta(m.delta)}</span> : <span className="muted">—</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}

function ParamDiff({ c }: { c: ModelVersionComparison }) {
  const p = c.params
  const rows = [
    ...(p?.changed ?? []).map((x) => ({ ...x, kind: 'changed' })),
    ...(p?.added ?? []).map((x) => ({ ...x, kind: 'added' })),
    ...(p?.removed ?? []).map((x) => ({ ...x, kind: 'removed' })),
  ]
  return (
    <div className="compare-block">
      <h3>Parameters</h3>
      {rows.length === 0 ? (
        <p className="muted">Same parameters{p ? ` (${p.unchanged})` : ''}.</p>
      ) : (
        <>
          <table className="table" aria-label="Parameter changes">
            <thead>
              <tr>
                <th>Parameter</th>
                <th>v{c.version_a.version}</th>
                <th>v{c.version_b.version}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.key} className={`diff-${r.kind}`}>
                  <th scope="row">{r.key}</th>
                  <td className="param-cell">{r.a ?? <span className="muted">—</span>}</td>
                  <td className="param-cell">{r.b ?? <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {p && p.unchanged > 0 && <p className="muted small">{p.unchanged} more unchanged.</p>}
        </>
      )}
    </div>
  )
}

function DataDiff({ c }: { c: ModelVersionComparison }) {
  const d = c.datasets
  const changed = d?.changed ?? []
  const added = d?.added ?? []
  const removed = d?.removed ?? []
  return (
    <div className="compare-block">
      <h3>Data</h3>
      {changed.length + added.length + removed.length === 0 ? (
        <p className="muted">Same dataset versions{d && d.unchanged ? ` (${d.unchanged})` : ''}.</p>
      ) : (
        <ul className="plain-list">
          {changed.map((x) => {
            const a = versionOf(x.a)
            const b = versionOf(x.b)
            return (
              <li key={x.name}>
                <strong>{x.name}</strong>: <DatasetVersionLink dataset={x.a} /> → <DatasetVersionLink dataset={x.b} />{' '}
                {x.files && (
                  <span className="small muted">
                    {x.files.added} added, {x.files.removed} removed, {x.files.modified} modified, {x.files.unchanged} unchanged{' '}
                  </span>
                )}
                {a && b && a.dataset === b.dataset && (
                  <Link className="small" href={withQuery(path('datasets', a.dataset, 'diff'), { from: a.version, to: b.version })}>
                    diff files
                  </Link>
                )}
              </li>
            )
          })}
          {added.map((x) => (
            <li key={`+${x.name}`} className="diff-added">
              + {x.name} <DatasetVersionLink dataset={x} />
            </li>
          ))}
          {removed.map((x) => (
            <li key={`-${x.name}`} className="diff-removed">
              − {x.name} <DatasetVersionLink dataset={x} />
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}

/** A Railyard dataset version named in a run input's source (`{dataset, version_id, …}`); other sources have none. */
function versionOf(ref: DatasetRef): { dataset: string; version: string } | undefined {
  try {
    const src = JSON.parse(ref.source ?? '') as { dataset?: string; version_id?: string }
    return src.version_id ? { dataset: src.dataset ?? ref.name, version: src.version_id } : undefined
  } catch {
    return undefined
  }
}

function DatasetVersionLink({ dataset }: { dataset: DatasetRef }) {
  const v = versionOf(dataset)
  const label = `@${shortId(v?.version ?? dataset.digest, 8)}`
  if (!v) return <span className="mono" title={dataset.source}>{label}</span>
  return (
    <Link className="mono" href={path('datasets', v.dataset, 'versions', v.version)}>
      {label}
    </Link>
  )
}

function CodeDiff({ c }: { c: ModelVersionComparison }) {
  const { a, b, same } = c.code
  return (
    <div className="compare-block">
      <h3>Code</h3>
      {same ? (
        <p>
          Same commit <span className="mono">{a ? a.slice(0, 12) : '(none recorded)'}</span>
        </p>
      ) : (
        <p>
          <span className="mono">{a ? a.slice(0, 12) : 'none'}</span> → <span className="mono">{b ? b.slice(0, 12) : 'none'}</span>
          {a && b && (
            <span className="muted small">
              {' '}
              (<code>git diff {a.slice(0, 12)} {b.slice(0, 12)}</code>)
            </span>
          )}
        </p>
      )}
    </div>
  )
}

function FilesDiff({ c }: { c: ModelVersionComparison }) {
  const f = c.files
  if (!f) return null
  const changes = [
    ...(f.changed ?? []).map((x) => ({ path: x.path, note: `${formatBytes(x.a.size)} → ${formatBytes(x.b.size)}`, kind: 'changed' })),
    ...(f.added ?? []).map((x) => ({ path: x.path, note: formatBytes(x.size), kind: 'added' })),
    ...(f.removed ?? []).map((x) => ({ path: x.path, note: formatBytes(x.size), kind: 'removed' })),
  ]
  return (
    <div className="compare-block">
      <h3>Model files</h3>
      {changes.length === 0 ? (
        <p className="muted">Identical files ({f.unchanged}).</p>
      ) : (
        <>
          <ul className="plain-list">
            {changes.map((x) => (
              <li key={x.kind + x.path} className={`diff-${x.kind}`}>
                <span className="diff-mark">{x.kind === 'added' ? '+' : x.kind === 'removed' ? '−' : '~'}</span> <span className="mono">{x.path}</span>{' '}
                <span className="muted small">{x.note}</span>
              </li>
            ))}
          </ul>
          {f.unchanged > 0 && <p className="muted small">{f.unchanged} unchanged.</p>}
        </>
      )}
    </div>
  )
}
