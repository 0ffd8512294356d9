import { useEffect, useState, type FormEvent } from 'react'
import type { DatasetFile } from '@railyard/api'
import { fileUrl, getVersion, listFiles } from '../../api/datasets.js'
import { PageHeader, Section } from '../../components/layout.js'
import { Link } from '../../components/link.js'
import { Stat } from '../../components/stat.js'
import { Empty, ErrorMessage, Loading } from '../../components/states.js'
import { formatBytes, formatCount, formatTime, shortId } from '../../lib/format.js'
import { path, withQuery } from '../../lib/router.js'
import { useAsync } from '../../lib/use-async.js'

/** One immutable dataset version: its numbers and its files, a page at a time. */
export function DatasetVersionPage({ name, version }: { name: string; version: string }) {
  const v = useAsync(() => getVersion(name, version), [name, version])
  if (v.error) return <ErrorMessage error={v.error} title="Could not load the dataset version" onRetry={v.reload} />
  if (!v.data) return <Loading what="Loading dataset version" />
  const dv = v.data
  return (
    <>
      <PageHeader
        crumbs={[
          { label: 'Datasets', href: '/datasets' },
          { label: name, href: path('datasets', name) },
        ]}
        title={
          <>
            {name} <span className="mono">@{dv.short_id}</span>
          </>
        }
        badges={dv.pinned ? <span className="badge">pinned</span> : undefined}
        subtitle={
          <>
            {dv.message ? `“${dv.message}” · ` : ''}taken {formatTime(dv.creation_timestamp)}
            {dv.created_by && <> by {dv.created_by}</>}
          </>
        }
      />
      <div className="stat-row">
        <Stat label={dv.row_count !== undefined ? 'Rows' : 'Files'} value={formatCount(dv.row_count ?? dv.file_count)} />
        <Stat label="Size" value={formatBytes(dv.total_bytes)} />
        <Stat label="Version id" value={<span className="mono small break">{dv.id}</span>} className="wide" />
      </div>
      <Section title="Files" actions={<Link href={withQuery(path('datasets', name, 'diff'), { to: dv.short_id })}>Diff with another version</Link>}>
        <Files name={name} version={dv.id} />
      </Section>
    </>
  )
}

function Files({ name, version }: { name: string; version: string }) {
  const [prefix, setPrefix] = useState('')
  const [text, setText] = useState('')
  const [extra, setExtra] = useState<{ files: DatasetFile[]; next?: string }>({ files: [] })
  const first = useAsync(() => listFiles(name, version, undefined, prefix), [name, version, prefix])
  useEffect(() => setExtra({ files: [], next: undefined }), [first.data])
  const [moreError, setMoreError] = useState<Error>()
  const next = extra.next ?? first.data?.nextPageToken
  const loadMore = async () => {
    try {
      const page = await listFiles(name, version, next, prefix)
      setExtra((e) => ({ files: [...e.files, ...page.files], next: page.nextPageToken ?? '' }))
    } catch (err) {
      setMoreError(err as Error)
    }
  }
  const submit = (e: FormEvent) => {
    e.preventDefault()
    setPrefix(text.trim())
  }
  if (first.error) return <ErrorMessage error={first.error} onRetry={first.reload} />
  if (!first.data) return <Loading what="Listing files" />
  const files = [...first.data.files, ...extra.files]
  return (
    <>
      <form className="section-toolbar" onSubmit={submit} role="search" aria-label="Filter files by path prefix">
        <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="Path prefix, e.g. 2024-05/" aria-label="Path prefix" />
        <button type="submit" className="button">
          Filter
        </button>
      </form>
      {files.length === 0 ? (
        <Empty title={prefix ? `No file path starts with “${prefix}”.` : 'This version has no files.'} />
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Files">
            <thead>
              <tr>
                <th>Path</th>
                <th className="num">Size</th>
                <th>Content</th>
              </tr>
            </thead>
            <tbody>
              {files.map((f) => (
                <tr key={f.path}>
                  <td>
                    <a href={fileUrl(name, version, f.path)} download={f.path.split('/').pop()}>
                      {f.path}
                    </a>
                  </td>
                  <td className="num">{formatBytes(f.size)}</td>
                  <td className="mono muted small" title={f.oid}>
                    {shortId(f.oid, 12)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {moreError && <ErrorMessage error={moreError} />}
      {next && (
        <div className="load-more">
          <button type="button" className="button" onClick={loadMore}>
            Load more files
          </button>
        </div>
      )}
    </>
  )
}
