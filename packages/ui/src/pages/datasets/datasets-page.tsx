import { useState } from 'react'
import type { VersionedDataset } from '@railyard/api'
import { listDatasets } from '../../api/datasets.js'
import { PageHeader } from '../../components/layout.js'
import { Link } from '../../components/link.js'
import { SearchBox } from '../../components/search-box.js'
import { DataTable, type Column } from '../../components/data-table.js'
import { Command, Empty, ErrorMessage, Loading } from '../../components/states.js'
import { formatBytes, formatCount, formatTime, timeAgo } from '../../lib/format.js'
import { path } from '../../lib/router.js'
import { useAsync } from '../../lib/use-async.js'
import { DatasetSource } from './dataset-facts.js'

const COLUMNS: Column<VersionedDataset>[] = [
  { key: 'name', label: 'Dataset', render: (d) => <Link href={path('datasets', d.name)}>{d.name}</Link>, sortValue: (d) => d.name.toLowerCase() },
  { key: 'source', label: 'Source', render: (d) => <DatasetSource dataset={d} /> },
  {
    key: 'latest',
    label: 'Latest version',
    render: (d) =>
      d.latest_version ? (
        <Link className="mono" href={path('datasets', d.name, 'versions', d.latest_version.id)}>
          {d.latest_version.short_id}
        </Link>
      ) : (
        <span className="muted">none yet</span>
      ),
  },
  { key: 'files', label: 'Files', render: (d) => formatCount(d.latest_version?.file_count), sortValue: (d) => d.latest_version?.file_count, numeric: true },
  { key: 'bytes', label: 'Size', render: (d) => formatBytes(d.latest_version?.total_bytes), sortValue: (d) => d.latest_version?.total_bytes, numeric: true },
  {
    key: 'updated',
    label: 'Last version',
    render: (d) => (d.latest_version ? <span title={formatTime(d.latest_version.creation_timestamp)}>{timeAgo(d.latest_version.creation_timestamp)}</span> : '—'),
    sortValue: (d) => d.latest_version?.creation_timestamp ?? d.creation_timestamp,
  },
  { key: 'description', label: 'Description', render: (d) => <span className="clip">{d.description ?? ''}</span> },
]

/** Versioned datasets: what each selects and its newest version. */
export function DatasetsPage() {
  const datasets = useAsync(() => listDatasets(), [])
  const [text, setText] = useState('')
  const shown = datasets.data?.filter((d) => d.name.toLowerCase().includes(text.trim().toLowerCase()))
  return (
    <>
      <PageHeader title="Datasets" subtitle="Versioned data: each version is an immutable list of files with their content hashes." />
      <div className="toolbar">
        <SearchBox label="Search datasets by name" value={text} onChange={setText} />
      </div>
      {datasets.error && <ErrorMessage error={datasets.error} onRetry={datasets.reload} />}
      {!datasets.data && !datasets.error && <Loading what="Loading datasets" />}
      {shown &&
        (datasets.data!.length === 0 ? (
          <Empty title="No datasets yet.">
            Point Railyard at where the data lives, define a dataset, and take its first version:
            <Command>{`npx railyard datastores add raw --kind local --root /data/raw
npx railyard datasets create tweets --datastore raw --glob "2024-*/**/*.json"
npx railyard datasets snapshot tweets -m "first cut"`}</Command>
          </Empty>
        ) : shown.length === 0 ? (
          <Empty title={`No dataset's name contains “${text.trim()}”.`} />
        ) : (
          <div className="card flush">
            <DataTable label="Datasets" rows={shown} columns={COLUMNS} rowKey={(d) => d.name} initialSort={{ key: 'updated', desc: true }} />
          </div>
        ))}
    </>
  )
}
