import type { Deployment, ModelVersion } from '@railyard/api'
import { audit, deployments, getModel, modelVersions } from '../../api/registry.js'
import { PageHeader, Section } from '../../components/layout.js'
import { Link } from '../../components/link.js'
import { AliasBadge, VerdictBadge, VersionStatusBadge } from '../../components/badges.js'
import { DataTable, type Column } from '../../components/data-table.js'
import { Empty, ErrorMessage, Loading } from '../../components/states.js'
import { formatTime, timeAgo } from '../../lib/format.js'
import { path } from '../../lib/router.js'
import { useAsync } from '../../lib/use-async.js'
import { useRunNames } from '../../lib/use-run-names.js'
import { GateResults } from './gate-results.js'
import { PRODUCTION, aliasTarget, gateTag, isMissingEndpoint } from './model-facts.js'

/** One registered model: what is deployed where, every version, and how it got there. */
export function ModelPage({ name }: { name: string }) {
  const model = useAsync(() => getModel(name), [name])
  const versions = useAsync(() => modelVersions(name), [name])
  const history = useAsync(() => deployments(name), [name])
  const runNames = useRunNames((versions.data ?? []).map((v) => v.run_id))

  if (model.error) return <ErrorMessage error={model.error} title="Could not load the model" onRetry={model.reload} />
  if (!model.data) return <Loading what="Loading model" />
  const m = model.data
  const production = aliasTarget(m, PRODUCTION)
  const lastProductionMove = history.data?.find((d) => d.alias === PRODUCTION)
  return (
    <>
      <PageHeader
        crumbs={[{ label: 'Models', href: '/models' }]}
        title={m.name}
        badges={(m.aliases ?? []).map((a) => (
          <AliasBadge key={a.alias} alias={a.alias} version={a.version} />
        ))}
        subtitle={m.description || `Registered ${formatTime(m.creation_timestamp)}`}
      />
      <div className="production-banner" data-state={production ? 'deployed' : 'none'}>
        {production ? (
          <>
            <span className="production-label">In production</span>
            <Link href={path('models', name, 'versions', production)} className="production-version">
              version {production}
            </Link>
            {lastProductionMove && (
              <span className="muted">
                since {timeAgo(lastProductionMove.timestamp)} · {kindLabel(lastProductionMove)} by {lastProductionMove.who}
                {lastProductionMove.reason && <> · “{lastProductionMove.reason}”</>}
              </span>
            )}
            {lastProductionMove?.gate_verdict && (
              <span className="muted">
                gate <VerdictBadge verdict={lastProductionMove.gate_verdict} />
              </span>
            )}
          </>
        ) : (
          <span className="muted">
            Nothing in production: no version has the <code>@production</code> alias. Point it at a version with{' '}
            <code>npx railyard models alias {name} production VERSION --reason "…"</code>, or let the CI gate deploy one.
          </span>
        )}
      </div>
      <Section title="Versions" id="versions">
        {versions.error && <ErrorMessage error={versions.error} onRetry={versions.reload} />}
        {!versions.data && !versions.error && <Loading what="Loading versions" />}
        {versions.data &&
          (versions.data.length === 0 ? (
            <Empty title="This model has no versions yet." />
          ) : (
            <DataTable
              label="Model versions"
              rows={versions.data}
              columns={versionColumns(name, runNames)}
              rowKey={(v) => v.version}
              initialSort={{ key: 'version', desc: true }}
              rowClassName={(v) => (v.version === production ? 'row-production' : undefined)}
            />
          ))}
      </Section>
      <Section title="Gate results" id="gates">
        <GateResults name={name} />
      </Section>
      <Section title="Deployments" id="deployments">
        <Deployments history={history} />
      </Section>
      <Section title="Audit trail" id="audit">
        <AuditTrail name={name} />
      </Section>
    </>
  )
}

function versionColumns(name: string, runName: (id: string) => string): Column<ModelVersion>[] {
  return [
    {
      key: 'version',
      label: 'Version',
      render: (v) => (
        <>
          <Link href={path('models', name, 'versions', v.version)}>Version {v.version}</Link> <VersionStatusBadge status={v.status} />
        </>
      ),
      sortValue: (v) => Number(v.version),
    },
    { key: 'aliases', label: 'Aliases', render: (v) => (v.aliases ?? []).map((a) => <AliasBadge key={a} alias={a} />) },
    {
      key: 'gate',
      label: 'Gate (production)',
      render: (v) => {
        const verdict = gateTag(v)
        return verdict ? <VerdictBadge verdict={verdict} /> : <span className="muted">—</span>
      },
      sortValue: (v) => gateTag(v),
    },
    {
      key: 'created',
      label: 'Registered',
      render: (v) => <span title={formatTime(v.creation_timestamp)}>{timeAgo(v.creation_timestamp)}</span>,
      sortValue: (v) => v.creation_timestamp,
    },
    { key: 'user', label: 'By', render: (v) => v.user_id ?? '—', sortValue: (v) => v.user_id },
    {
      key: 'run',
      label: 'Run',
      render: (v) => (v.run_id ? <Link href={path('runs', v.run_id)} title={`run ${v.run_id}`}>{runName(v.run_id)}</Link> : <span className="muted">—</span>),
    },
    { key: 'stage', label: 'Stage', render: (v) => (v.current_stage === 'None' ? <span className="muted">—</span> : v.current_stage) },
    { key: 'description', label: 'Description', render: (v) => <span className="clip">{v.description ?? ''}</span> },
  ]
}

function kindLabel(d: Deployment): string {
  switch (d.kind) {
    case 'deploy':
      return 'deployed'
    case 'forced':
      return 'forced'
    case 'rollback':
      return 'rolled back'
    case 'alias_set':
      return 'alias set'
    case 'alias_deleted':
      return 'alias removed'
  }
}

function Deployments({ history }: { history: { data?: Deployment[]; error?: Error; reload: () => void } }) {
  if (history.error) {
    if (isMissingEndpoint(history.error)) return <p className="muted">This server keeps no deployment history.</p>
    return <ErrorMessage error={history.error} onRetry={history.reload} />
  }
  if (!history.data) return <Loading what="Loading deployments" />
  if (history.data.length === 0) return <Empty title="No alias has been set yet.">Deploys, rollbacks and alias changes are listed here, newest first.</Empty>
  return (
    <div className="table-wrap">
      <table className="table" aria-label="Deployment history">
        <thead>
          <tr>
            <th>When</th>
            <th>Alias</th>
            <th>Change</th>
            <th>How</th>
            <th>Gate</th>
            <th>Who</th>
            <th>Why</th>
          </tr>
        </thead>
        <tbody>
          {history.data.map((d) => (
            <tr key={d.id}>
              <td title={formatTime(d.timestamp)}>{timeAgo(d.timestamp)}</td>
              <td>
                <AliasBadge alias={d.alias} />
              </td>
              <td className="nowrap">
                {d.previous_version ? `v${d.previous_version}` : '—'} → {d.version ? <strong>v{d.version}</strong> : 'removed'}
              </td>
              <td>
                <span className={`kind kind-${d.kind}`}>{kindLabel(d)}</span>
              </td>
              <td>{d.gate_verdict ? <VerdictBadge verdict={d.gate_verdict} /> : <span className="muted">—</span>}</td>
              <td>{d.who}</td>
              <td className="break">{d.reason ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

const ACTIONS: Record<string, string> = {
  'model_version.created': 'registered version',
  'model_version.deleted': 'deleted version',
  'model_version.description': 'described version',
  'model_version.stage': 'moved stage',
  'alias.set': 'set alias',
  'alias.deleted': 'removed alias',
  'registered_model.description': 'described model',
  'registered_model.renamed': 'renamed model',
  'registered_model.deleted': 'deleted model',
}

function AuditTrail({ name }: { name: string }) {
  const entries = useAsync(() => audit(name), [name])
  if (entries.error) return <ErrorMessage error={entries.error} onRetry={entries.reload} />
  if (!entries.data) return <Loading what="Loading the audit trail" />
  if (entries.data.length === 0) return <Empty title="Nothing recorded yet." />
  return (
    <div className="table-wrap audit-wrap">
      <table className="table" aria-label="Audit trail">
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>What</th>
            <th>Change</th>
            <th>Why</th>
          </tr>
        </thead>
        <tbody>
          {entries.data.map((e) => (
            <tr key={e.id}>
              <td className="nowrap">{formatTime(e.timestamp)}</td>
              <td>{e.who}</td>
              <td>
                {ACTIONS[e.action] ?? e.action}
                {e.version && <> v{e.version}</>}
                {e.subject && <> @{e.subject}</>}
              </td>
              <td className="break">{e.from || e.to ? `${e.from ?? '—'} → ${e.to ?? '—'}` : ''}</td>
              <td className="break">{e.reason ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
