import { useState } from 'react'
import type { DatasetDiff, DatasetDiffEntry } from '@railyard/api'
import { diffVersions, fileUrl, listVersions } from '../../api/datasets.js'
import { PageHeader, Section } from '../../components/layout.js'
import { Stat } from '../../components/stat.js'
import { ErrorMessage, Loading } from '../../components/states.js'
import { formatBytes, formatCount } from '../../lib/format.js'
import { path, setQuery, useLocation } from '../../lib/router.js'
import { useAsync } from '../../lib/use-async.js'

/** Two versions of a dataset: which files were added, removed or changed between them. */
export function DatasetDiffPage({ name }: { name: string }) {
  const { query } = useLocation()
  const versions = useAsync(() => listVersions(name), [name])
  const from = query.get('from') ?? versions.data?.[1]?.short_id
  const to = query.get('to') ?? versions.data?.[0]?.short_id
  const pick = (key: 'from' | 'to', label: string, value?: string) => (
    <label className="inline-label">
      {label}{' '}
      <select value={value ?? ''} onChange={(e) => setQuery({ [key]: e.target.value })}>
        {!value && <option value="">choose…</option>}
        {value && !versions.data?.some((v) => v.short_id === value || v.id === value) && <option value={value}>{value}</option>}
        {versions.data?.map((v) => (
          <option key={v.id} value={v.short_id}>
            {v.short_id}
            {v.message ? ` — ${v.message.slice(0, 40)}` : ''}
          </option>
        ))}
      </select>
    </label>
  )
  return (
    <>
      <PageHeader
        crumbs={[
          { label: 'Datasets', href: '/datasets' },
          { label: name, href: path('datasets', name) },
        ]}
        title="Compare versions"
      />
      <div className="card compare-head">
        {versions.error && <ErrorMessage error={versions.error} />}
        {pick('from', 'From', from)} → {pick('to', 'to', to)}
      </div>
      {from && to ? <Diff key={`${from}→${to}`} name={name} from={from} to={to} /> : versions.data && <p className="muted">This dataset needs two versions to compare.</p>}
    </>
  )
}

function Diff({ name, from, to }: { name: string; from: string; to: string }) {
  const first = useAsync(() => diffVersions(name, from, to), [name, from, to])
  const [pages, setPages] = useState<DatasetDiff[]>([])
  const [moreError, setMoreError] = useState<Error>()
  if (first.error) return <ErrorMessage error={first.error} title="Could not diff the versions" onRetry={first.reload} />
  if (!first.data) return <Loading what="Comparing file lists" />
  const all = [first.data, ...pages]
  const s = first.data.summary
  const next = all[all.length - 1].next_page_token
  const entries = (pick: (d: DatasetDiff) => DatasetDiffEntry[] | undefined) => all.flatMap((d) => pick(d) ?? [])
  const loadMore = () => diffVersions(name, from, to, next).then((page) => setPages([...pages, page]), setMoreError)
  return (
    <>
      <div className="stat-row">
        <Stat label="Added" className="diff-added" value={<CountAndBytes count={s.added} bytes={s.bytes_added} />} />
        <Stat label="Removed" className="diff-removed" value={<CountAndBytes count={s.removed} bytes={s.bytes_removed} />} />
        <Stat label="Changed" className="diff-changed" value={formatCount(s.modified)} />
        <Stat label="Unchanged" value={formatCount(s.unchanged)} />
      </div>
      {s.added + s.removed + s.modified === 0 && <p className="card">The two versions hold the same files.</p>}
      <DiffList title="Added" kind="added" name={name} version={to} entries={entries((d) => d.added)} />
      <DiffList title="Removed" kind="removed" name={name} version={from} entries={entries((d) => d.removed)} />
      <DiffList title="Changed" kind="changed" name={name} version={to} entries={entries((d) => d.modified)} />
      {moreError && <ErrorMessage error={moreError} />}
      {next && (
        <div className="load-more">
          <button type="button" className="button" onClick={() => void loadMore()}>
            Load more differences
          </button>
        </div>
      )}
    </>
  )
}

function CountAndBytes({ count, bytes }: { count: number; bytes: number }) {
  return (
    <>
      {formatCount(count)} <span className="small muted">{formatBytes(bytes)}</span>
    </>
  )
}

function DiffList({ title, kind, entries, name, version }: { title: string; kind: string; entries: DatasetDiffEntry[]; name: string; version: string }) {
  if (entries.length === 0) return null
  return (
    <Section title={`${title} (${entries.length.toLocaleString()})`}>
      <div className="table-wrap">
        <table className="table" aria-label={`${title} files`}>
          <thead>
            <tr>
              <th>Path</th>
              <th className="num">Size</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.path} className={`diff-${kind}`}>
                <td>
                  <a href={fileUrl(name, version, e.path)} download={e.path.split('/').pop()} className="mono" title={`Download from version ${version}`}>
                    {e.path}
                  </a>
                </td>
                <td className="num">{e.old_size !== undefined ? `${formatBytes(e.old_size)} → ${formatBytes(e.size)}` : formatBytes(e.size)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  )
}
