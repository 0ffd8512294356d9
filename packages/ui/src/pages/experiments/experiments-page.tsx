import { useEffect, useState, type FormEvent } from 'react'
import type { Experiment } from '@railyard/api'
import { experiments } from '../../api/client.js'
import { PageHeader } from '../../components/layout.js'
import { Link } from '../../components/link.js'
import { SearchBox } from '../../components/search-box.js'
import { Command, Empty, ErrorMessage, Loading } from '../../components/states.js'
import { DataTable, type Column } from '../../components/data-table.js'
import { formatTime, timeAgo } from '../../lib/format.js'
import { navigate, path, setQuery, useLocation } from '../../lib/router.js'
import { useAsync } from '../../lib/use-async.js'

const COLUMNS: Column<Experiment>[] = [
  {
    key: 'name',
    label: 'Name',
    render: (e) => <Link href={path('experiments', e.experiment_id)}>{e.name}</Link>,
    sortValue: (e) => e.name.toLowerCase(),
  },
  { key: 'id', label: 'ID', render: (e) => <span className="mono muted">{e.experiment_id}</span>, sortValue: (e) => Number(e.experiment_id) },
  {
    key: 'updated',
    label: 'Last activity',
    render: (e) => <span title={formatTime(e.last_update_time)}>{timeAgo(e.last_update_time)}</span>,
    sortValue: (e) => e.last_update_time,
  },
  { key: 'created', label: 'Created', render: (e) => formatTime(e.creation_time), sortValue: (e) => e.creation_time },
  {
    key: 'tags',
    label: 'Tags',
    render: (e) =>
      (e.tags ?? [])
        .filter((t) => !t.key.startsWith('mlflow.'))
        .map((t) => (
          <span key={t.key} className="chip">
            {t.key}={t.value}
          </span>
        )),
  },
]

/** All experiments: find one by name, or create one. */
export function ExperimentsPage() {
  const { query } = useLocation()
  const search = query.get('q') ?? ''
  const [text, setText] = useState(search)
  useEffect(() => {
    const id = window.setTimeout(() => setQuery({ q: text.trim() || undefined }), 250)
    return () => window.clearTimeout(id)
  }, [text])

  const list = useAsync(
    () =>
      experiments.search({
        filter: search ? `name ILIKE '%${search.replace(/'/g, "\\'")}%'` : undefined,
        order_by: ['last_update_time DESC'],
      }),
    [search],
  )
  const [creating, setCreating] = useState(false)

  return (
    <>
      <PageHeader
        title="Experiments"
        actions={
          <button type="button" className="button primary" onClick={() => setCreating((c) => !c)} aria-expanded={creating}>
            New experiment
          </button>
        }
      />
      {creating && <CreateExperiment onCancel={() => setCreating(false)} />}
      <div className="toolbar">
        <SearchBox label="Search experiments by name" value={text} onChange={setText} />
        {list.loading && list.data && <span className="muted small">Updating…</span>}
      </div>
      {list.error && <ErrorMessage error={list.error} onRetry={list.reload} />}
      {!list.data && !list.error && <Loading what="Loading experiments" />}
      {list.data &&
        (list.data.items.length === 0 ? (
          search ? (
            <Empty title={`No experiment's name contains “${search}”.`} />
          ) : (
            <Empty title="No experiments yet.">
              Create one with <strong>New experiment</strong>, or run your training script under Railyard; the experiment is created on first use:
              <Command>npx railyard run -e my-experiment -- python train.py</Command>
            </Empty>
          )
        ) : (
          <div className="card flush">
            <DataTable label="Experiments" rows={list.data.items} columns={COLUMNS} rowKey={(e) => e.experiment_id} />
          </div>
        ))}
    </>
  )
}

function CreateExperiment({ onCancel }: { onCancel: () => void }) {
  const [name, setName] = useState('')
  const [error, setError] = useState<Error>()
  const [busy, setBusy] = useState(false)
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      const id = await experiments.create({ name: name.trim() })
      navigate(path('experiments', id))
    } catch (err) {
      setError(err as Error)
      setBusy(false)
    }
  }
  return (
    <form className="card inline-form" onSubmit={submit} aria-label="New experiment">
      <label>
        Name
        <input autoFocus required value={name} onChange={(e) => setName(e.target.value)} placeholder="churn-model" />
      </label>
      <button type="submit" className="button primary" disabled={busy || !name.trim()}>
        {busy ? 'Creating…' : 'Create'}
      </button>
      <button type="button" className="button" onClick={onCancel}>
        Cancel
      </button>
      {error && <ErrorMessage error={error} title="Could not create the experiment" />}
    </form>
  )
}
