import type { ReactNode } from 'react'
import type { ModelVersionLineage } from '@railyard/api'
import { getDatastore } from '../../api/datasets.js'
import { Link } from '../../components/link.js'
import { StatusBadge } from '../../components/badges.js'
import { DatasetChip } from '../../components/dataset-chip.js'
import { formatTime, shortId } from '../../lib/format.js'
import { path } from '../../lib/router.js'
import { datasetInputLinks } from '../../lib/run-columns.js'
import { useAsync } from '../../lib/use-async.js'

/**
 * Where a version came from, as captured when it was registered: version → run → commit →
 * dataset versions → datastores. Each step links to its own page.
 */
export function Lineage({ lineage }: { lineage: ModelVersionLineage }) {
  const v = lineage.model_version
  const run = lineage.run
  const code = lineage.code
  const inputs = datasetInputLinks(lineage.dataset_inputs)
  const datastores = [...new Set(inputs.map((i) => i.datastore).filter((d): d is string => d !== undefined))]
  const foreign = inputs.filter((i) => !i.datastore)
  return (
    <ol className="lineage" aria-label="Lineage">
      <Step title="Model version">
        <div className="lineage-main">
          {v.name} v{v.version}
        </div>
        <div className="muted small">registered {formatTime(v.creation_timestamp)}</div>
        {v.user_id && <div className="muted small">by {v.user_id}</div>}
        {lineage.tree_oid && (
          <div className="mono small" title={lineage.tree_oid}>
            files {shortId(lineage.tree_oid, 12)}
          </div>
        )}
        {lineage.copied_from && (
          <div className="small">
            copied from{' '}
            <Link href={path('models', lineage.copied_from.name, 'versions', lineage.copied_from.version)}>
              {lineage.copied_from.name} v{lineage.copied_from.version}
            </Link>
          </div>
        )}
      </Step>
      <Step title="Run">
        {run ? (
          <>
            <div className="lineage-main">
              {lineage.run_now?.exists === false ? (
                <span title="The run was removed after registration">{run.run_name ?? `…${run.run_id.slice(-8)}`} (removed)</span>
              ) : (
                <Link href={path('runs', run.run_id)}>{run.run_name ?? `…${run.run_id.slice(-8)}`}</Link>
              )}
            </div>
            <RunStatusNow registered={run.status} now={lineage.run_now?.status} />
            <div className="small">
              in <Link href={path('experiments', run.experiment_id)}>{run.experiment_name ?? `experiment ${run.experiment_id}`}</Link>
            </div>
            {lineage.run_now?.lifecycle_stage === 'deleted' && <div className="small warn">run deleted since</div>}
          </>
        ) : (
          <span className="muted">Not registered from a run.</span>
        )}
      </Step>
      <Step title="Code">
        {code?.commit ? (
          <>
            <div className="lineage-main mono" title={code.commit}>
              {code.commit.slice(0, 12)}
            </div>
            {code.branch && <div className="small">branch {code.branch}</div>}
            {code.repo_url && <div className="small break muted">{code.repo_url}</div>}
            {code.source_name && <div className="small mono">{code.source_name}</div>}
          </>
        ) : (
          <span className="muted">No commit recorded.</span>
        )}
      </Step>
      <Step title="Data">
        {inputs.length === 0 ? (
          <span className="muted">No dataset inputs recorded.</span>
        ) : (
          <div className="chips-col">
            {inputs.map((input) => (
              <div key={input.name + input.digest}>
                <DatasetChip input={input} />
                {input.context && <span className="muted small"> {input.context}</span>}
              </div>
            ))}
          </div>
        )}
      </Step>
      <Step title="Datastore" last>
        {datastores.length === 0 && foreign.length === 0 && <span className="muted">—</span>}
        {datastores.map((name) => (
          <DatastoreInfo key={name} name={name} />
        ))}
        {foreign.map((i) => (
          <div key={i.name + i.digest} className="small break" title={i.source}>
            {i.sourceType}: {i.source}
          </div>
        ))}
      </Step>
    </ol>
  )
}

function Step({ title, children, last }: { title: string; children: ReactNode; last?: boolean }) {
  return (
    <li className={`lineage-step${last ? ' last' : ''}`}>
      <div className="lineage-title">{title}</div>
      <div className="lineage-body">{children}</div>
    </li>
  )
}

function DatastoreInfo({ name }: { name: string }) {
  const store = useAsync(() => getDatastore(name), [name])
  return (
    <div className="datastore">
      <div className="lineage-main">{name}</div>
      {store.data && (
        <div className="small mono break muted" title={store.data.uri}>
          {store.data.kind} · {store.data.uri}
        </div>
      )}
      {store.error && <div className="small muted">{store.error.message}</div>}
    </div>
  )
}

/**
 * The run's status today; `run` in the lineage is the run as it was at registration, which for a
 * version registered by its own training script is always RUNNING.
 */
function RunStatusNow({ registered, now }: { registered?: string; now?: string }) {
  const status = now ?? registered
  if (!status) return null
  return (
    <div>
      <StatusBadge status={status} />
      {registered && registered !== status && <span className="muted small"> ({registered.toLowerCase()} at registration)</span>}
    </div>
  )
}
