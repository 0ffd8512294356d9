import { useState } from 'react'
import type { RegisteredModel } from '@railyard/api'
import { searchModels } from '../../api/registry.js'
import { PageHeader } from '../../components/layout.js'
import { Link } from '../../components/link.js'
import { SearchBox } from '../../components/search-box.js'
import { AliasBadge } from '../../components/badges.js'
import { DataTable, type Column } from '../../components/data-table.js'
import { Command, Empty, ErrorMessage, Loading } from '../../components/states.js'
import { formatTime, timeAgo } from '../../lib/format.js'
import { path } from '../../lib/router.js'
import { useAsync } from '../../lib/use-async.js'
import { PRODUCTION, latestVersion } from './model-facts.js'

const COLUMNS: Column<RegisteredModel>[] = [
  { key: 'name', label: 'Model', render: (m) => <Link href={path('models', m.name)}>{m.name}</Link>, sortValue: (m) => m.name.toLowerCase() },
  {
    key: 'production',
    label: 'In production',
    render: (m) => {
      const prod = m.aliases?.find((a) => a.alias === PRODUCTION)
      return prod ? <Link href={path('models', m.name, 'versions', prod.version)}>version {prod.version}</Link> : <span className="muted">—</span>
    },
    sortValue: (m) => Number(m.aliases?.find((a) => a.alias === PRODUCTION)?.version ?? NaN),
  },
  { key: 'latest', label: 'Latest version', render: (m) => latestVersion(m) ?? '—', sortValue: (m) => latestVersion(m), numeric: true },
  {
    key: 'aliases',
    label: 'Aliases',
    render: (m) => (m.aliases ?? []).map((a) => <AliasBadge key={a.alias} alias={a.alias} version={a.version} />),
  },
  {
    key: 'updated',
    label: 'Last change',
    render: (m) => <span title={formatTime(m.last_updated_timestamp)}>{timeAgo(m.last_updated_timestamp)}</span>,
    sortValue: (m) => m.last_updated_timestamp,
  },
  { key: 'description', label: 'Description', render: (m) => <span className="clip">{m.description ?? ''}</span> },
]

/** Registered models, with what each has in production. */
export function ModelsPage() {
  const models = useAsync(() => searchModels(), [])
  const [text, setText] = useState('')
  const shown = models.data?.filter((m) => m.name.toLowerCase().includes(text.trim().toLowerCase()))
  return (
    <>
      <PageHeader title="Models" subtitle="Registered models, their versions and what is deployed." />
      <div className="toolbar">
        <SearchBox label="Search models by name" value={text} onChange={setText} />
      </div>
      {models.error && <ErrorMessage error={models.error} onRetry={models.reload} />}
      {!models.data && !models.error && <Loading what="Loading models" />}
      {shown &&
        (models.data!.length === 0 ? (
          <Empty title="No registered models yet.">
            Register the model a run saved as a new version:
            <Command>npx railyard models register runs:/RUN_ID/model --name my-model</Command>
            MLflow clients work too: <code>mlflow.register_model("runs:/RUN_ID/model", "my-model")</code>.
          </Empty>
        ) : shown.length === 0 ? (
          <Empty title={`No model's name contains “${text.trim()}”.`} />
        ) : (
          <div className="card flush">
            <DataTable label="Registered models" rows={shown} columns={COLUMNS} rowKey={(m) => m.name} initialSort={{ key: 'updated', desc: true }} />
          </div>
        ))}
    </>
  )
}
