import type { VersionedDataset } from '@railyard/api'

/** Where a dataset's files come from, in one line: `datastore:path/**` or the SQL source. */
export function DatasetSource({ dataset }: { dataset: VersionedDataset }) {
  if (dataset.type === 'table' && dataset.table) {
    return (
      <span className="mono small" title={dataset.table.query}>
        {dataset.table.source_uri}
      </span>
    )
  }
  const selection = dataset.glob ?? [dataset.path, ...(dataset.include ?? [])].filter(Boolean).join(' ')
  return (
    <span className="mono small">
      {dataset.datastore}
      {selection ? `:${selection}` : ''}
    </span>
  )
}
