import { useState, type ReactNode } from 'react'
import type { DatasetVersion, VersionedDataset } from '@railyard/api'
import { freezesOfDataset, getDataset, getDatastore, listVersions } from '../../api/datasets.js'
import { PageHeader, Section } from '../../components/layout.js'
import { Link } from '../../components/link.js'
import { Command, Empty, ErrorMessage, Loading } from '../../components/states.js'
import { formatBytes, formatCount, formatTime, timeAgo } from '../../lib/format.js'
import { navigate, path, withQuery } from '../../lib/router.js'
import { useAsync } from '../../lib/use-async.js'
import { useRunNames } from '../../lib/use-run-names.js'

/** One dataset: what it selects, every version, and which experiments are frozen on which. */
export function DatasetPage({ name }: { name: string }) {
  const dataset = useAsync(() => getDataset(name), [name])
  const versions = useAsync(() => listVersions(name), [name])
  if (dataset.error) return <ErrorMessage error={dataset.error} title="Could not load the dataset" onRetry={dataset.reload} />
  if (!dataset.data) return <Loading what="Loading dataset" />
  const d = dataset.data
  return (
    <>
      <PageHeader
        crumbs={[{ label: 'Datasets', href: '/datasets' }]}
        title={d.name}
        badges={<span className="badge">{d.type}</span>}
        subtitle={d.description}
      />
      <Section title="Definition">
        <Definition dataset={d} />
      </Section>
      <Section title="Versions" id="versions">
        {versions.error && <ErrorMessage error={versions.error} onRetry={versions.reload} />}
        {!versions.data && !versions.error && <Loading what="Loading versions" />}
        {versions.data && <Versions name={name} versions={versions.data} />}
      </Section>
      <Section title="Frozen in experiments" id="freezes">
        <Freezes name={name} />
      </Section>
    </>
  )
}

function Definition({ dataset: d }: { dataset: VersionedDataset }) {
  const rows: Array<[string, ReactNode]> = []
  if (d.type === 'table' && d.table) {
    rows.push(['Database', <span key="db" className="mono">{d.table.source_uri}</span>])
    rows.push(['Query', <code key="q" className="break">{d.table.query}</code>])
  } else if (d.datastore) {
    rows.push(['Datastore', <DatastoreLine key="ds" name={d.datastore} />])
    rows.push(['Folder', d.path ? <span key="p" className="mono">{d.path}</span> : <span key="p" className="muted">the datastore's root</span>])
  }
  if (d.glob) rows.push(['Glob', <code key="g">{d.glob}</code>])
  if (d.include?.length) rows.push(['Include', <code key="i">{d.include.join(', ')}</code>])
  if (d.exclude?.length) rows.push(['Exclude', <code key="e">{d.exclude.join(', ')}</code>])
  for (const t of d.tags ?? []) rows.push([`Tag ${t.key}`, t.value])
  rows.push(['Created', `${formatTime(d.creation_timestamp)}${d.created_by ? ` by ${d.created_by}` : ''}`])
  return (
    <table className="table kv short-keys" aria-label="Dataset definition">
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function DatastoreLine({ name }: { name: string }) {
  const store = useAsync(() => getDatastore(name), [name])
  return (
    <>
      <span className="mono">{name}</span>
      {store.data && (
        <span className="muted small">
          {' '}
          {store.data.kind} · <span className="mono">{store.data.uri}</span>
        </span>
      )}
    </>
  )
}

function Versions({ name, versions }: { name: string; versions: DatasetVersion[] }) {
  const [picked, setPicked] = useState<string[]>([])
  if (versions.length === 0) {
    return (
      <Empty title="No versions yet.">
        Take the first one:
        <Command>{`npx railyard datasets snapshot ${name} -m "first version"`}</Command>
      </Empty>
    )
  }
  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id].slice(-2)))
  const diff = () => {
    // Older → newer, whichever order they were ticked in.
    const [from, to] = versions.filter((v) => picked.includes(v.id)).reverse()
    navigate(withQuery(path('datasets', name, 'diff'), { from: from.short_id, to: to.short_id }))
  }
  return (
    <>
      <div className="section-toolbar">
        <button type="button" className="button" disabled={picked.length !== 2} onClick={diff}>
          Diff selected versions
        </button>
        <span className="muted small">Tick two versions to see which files were added, removed or changed.</span>
      </div>
      <div className="table-wrap">
        <table className="table" aria-label="Dataset versions">
          <thead>
            <tr>
              <th className="select-col">
                <span className="visually-hidden">Select</span>
              </th>
              <th>Version</th>
              <th className="num">Files</th>
              <th className="num">Size</th>
              <th>Created</th>
              <th>By</th>
              <th>Message</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v, i) => (
              <tr key={v.id} className={picked.includes(v.id) ? 'selected' : undefined}>
                <td className="select-col">
                  <input type="checkbox" aria-label={`Select version ${v.short_id}`} checked={picked.includes(v.id)} onChange={() => toggle(v.id)} />
                </td>
                <td>
                  <Link className="mono" href={path('datasets', name, 'versions', v.id)}>
                    {v.short_id}
                  </Link>
                  {i === 0 && <span className="badge after">latest</span>}
                  {v.pinned && (
                    <span className="badge after" title="Contents copied into Railyard's object store">
                      pinned
                    </span>
                  )}
                </td>
                <td className="num">{v.row_count !== undefined ? `${formatCount(v.row_count)} rows` : formatCount(v.file_count)}</td>
                <td className="num">{formatBytes(v.total_bytes)}</td>
                <td title={formatTime(v.creation_timestamp)}>{timeAgo(v.creation_timestamp)}</td>
                <td>{v.created_by ?? '—'}</td>
                <td className="break">{v.message ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}

function Freezes({ name }: { name: string }) {
  const scan = useAsync(() => freezesOfDataset(name), [name])
  const runName = useRunNames((scan.data ?? []).map((f) => f.run_id))
  if (scan.error) return <ErrorMessage error={scan.error} onRetry={scan.reload} />
  if (!scan.data) return <Loading what="Freezes" />
  const freezes = scan.data
  return (
    <>
      {freezes.length === 0 ? (
        <Empty title="No experiment uses this dataset yet.">
          The first run that uses it freezes a version for its experiment, so every later run there trains on the same data:
          <Command>{`npx railyard run -e my-experiment --dataset ${name} -- python train.py`}</Command>
        </Empty>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Experiments frozen on this dataset">
            <thead>
              <tr>
                <th>Experiment</th>
                <th>Version</th>
                <th>Frozen</th>
                <th>By</th>
                <th>First run</th>
              </tr>
            </thead>
            <tbody>
              {freezes.map((f) => (
                <tr key={f.experiment_id}>
                  <td>
                    <Link href={path('experiments', f.experiment_id)}>{f.experiment_name ?? f.experiment_id}</Link>
                  </td>
                  <td>
                    <Link className="mono" href={path('datasets', name, 'versions', f.version.id)}>
                      {f.version.short_id}
                    </Link>
                  </td>
                  <td title={formatTime(f.frozen_at)}>{timeAgo(f.frozen_at)}</td>
                  <td>{f.frozen_by ?? '—'}</td>
                  <td>{f.run_id ? <Link href={path('runs', f.run_id)} title={`run ${f.run_id}`}>{runName(f.run_id)}</Link> : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
}
