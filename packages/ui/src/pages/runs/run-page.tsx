import type { ReactNode } from 'react'
import type { Metric, Run } from '@railyard/api'
import { experiments, runs } from '../../api/client.js'
import { versionsOfRun } from '../../api/registry.js'
import { PageHeader, Section } from '../../components/layout.js'
import { Link } from '../../components/link.js'
import { AliasBadge, StatusBadge } from '../../components/badges.js'
import { DatasetChip } from '../../components/dataset-chip.js'
import { Empty, ErrorMessage, Loading } from '../../components/states.js'
import { formatDuration, formatMetric, formatTime, runDuration } from '../../lib/format.js'
import { path } from '../../lib/router.js'
import { COMMIT_TAG, SYSTEM_TAG, inputLinks, runName, tagOf } from '../../lib/run-columns.js'
import { useAsync, useInterval } from '../../lib/use-async.js'
import { RunArtifacts } from './run-artifacts.js'
import { RunCharts } from './run-charts.js'
import { RunLog } from './run-log.js'
import { useMetricHistories } from './use-metric-histories.js'

/** Polling interval for a live run's status and metrics. */
const LIVE_MS = 2000
const NO_METRICS: Metric[] = []

/** One run: what it is, what it used, what it measured, what it printed and what it saved. */
export function RunPage({ runId }: { runId: string }) {
  const run = useAsync(() => runs.get(runId), [runId])
  const running = run.data?.info.status === 'RUNNING'
  useInterval(run.reload, running ? LIVE_MS : null)
  const experimentId = run.data?.info.experiment_id
  const experiment = useAsync(async () => (experimentId === undefined ? undefined : experiments.get(experimentId)), [experimentId])
  const metrics = run.data?.data.metrics ?? NO_METRICS
  const { histories, error: historyError } = useMetricHistories(runId, metrics)

  if (run.error && !run.data) return <ErrorMessage error={run.error} title="Could not load the run" onRetry={run.reload} />
  if (!run.data) return <Loading what="Loading run" />
  const r = run.data
  const info = r.info
  return (
    <>
      <PageHeader
        crumbs={[
          { label: 'Experiments', href: '/experiments' },
          { label: experiment.data?.name ?? `Experiment ${info.experiment_id}`, href: path('experiments', info.experiment_id) },
        ]}
        title={runName(r)}
        badges={<StatusBadge status={info.status} />}
        subtitle={
          <>
            Run <span className="mono">{info.run_id}</span>
            {info.user_id && <> · by {info.user_id}</>} · started {formatTime(info.start_time)} · {running ? 'running for' : 'took'}{' '}
            {formatDuration(runDuration(info))}
            {info.lifecycle_stage === 'deleted' && <span className="badge status-killed">deleted</span>}
          </>
        }
      />
      {run.error && <ErrorMessage error={run.error} title="Live updates failed; showing the last answer" onRetry={run.reload} />}
      <div className="two-col">
        <div>
          <LatestMetrics run={r} />
          <Params run={r} />
        </div>
        <div>
          <Source run={r} />
          <Inputs run={r} />
          <RegisteredAs runId={runId} />
          <Tags run={r} />
        </div>
      </div>
      <Section title="Metric charts" id="charts">
        <RunCharts metrics={metrics} histories={histories} error={historyError} running={running} />
      </Section>
      <Section title="Output log" id="log">
        <RunLog runId={runId} />
      </Section>
      <Section title="Artifacts" id="artifacts">
        <RunArtifacts runId={runId} />
      </Section>
    </>
  )
}

function KeyValues({ rows, label, empty }: { rows: Array<[string, ReactNode]>; label: string; empty: string }) {
  if (rows.length === 0) return <p className="muted">{empty}</p>
  return (
    <div className="table-wrap kv-wrap">
      <table className="table kv" aria-label={label}>
        <tbody>
          {rows.map(([k, v]) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td>{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function LatestMetrics({ run }: { run: Run }) {
  const metrics = [...(run.data.metrics ?? [])].sort((a, b) => a.key.localeCompare(b.key, undefined, { numeric: true }))
  return (
    <Section title="Metrics">
      <KeyValues
        label="Latest metric values"
        empty="No metrics logged."
        rows={metrics.map((m) => [
          m.key,
          <span key={m.key} className="num-inline" title={`step ${m.step}, ${formatTime(m.timestamp)}`}>
            {formatMetric(m.value)}
            {m.step > 0 && <span className="muted small"> @ step {m.step}</span>}
          </span>,
        ])}
      />
    </Section>
  )
}

function Params({ run }: { run: Run }) {
  const params = [...(run.data.params ?? [])].sort((a, b) => a.key.localeCompare(b.key, undefined, { numeric: true }))
  return (
    <Section title="Parameters">
      <KeyValues label="Parameters" empty="No parameters logged." rows={params.map((p) => [p.key, <span key={p.key} className="param-cell">{p.value}</span>])} />
    </Section>
  )
}

function Source({ run }: { run: Run }) {
  const commit = tagOf(run, COMMIT_TAG)
  const repo = tagOf(run, 'mlflow.source.git.repoURL')
  const rows: Array<[string, ReactNode]> = []
  const dirty = tagOf(run, 'railyard.git.dirty') === 'true'
  if (commit) {
    rows.push([
      'Commit',
      <span key="c">
        <span className="mono">{commit}</span>
        {dirty && <span className="badge status-scheduled" title="The working tree had uncommitted changes to tracked files when the run started">+ uncommitted changes</span>}
      </span>,
    ])
  }
  if (tagOf(run, 'mlflow.source.git.branch')) rows.push(['Branch', tagOf(run, 'mlflow.source.git.branch')])
  if (repo) rows.push(['Repository', /^https?:\/\//.test(repo) ? <a key="r" href={repo} rel="noreferrer noopener" target="_blank">{repo}</a> : repo])
  if (tagOf(run, 'mlflow.source.name')) rows.push(['Entry point', <span key="e" className="mono">{tagOf(run, 'mlflow.source.name')}</span>])
  if (tagOf(run, 'railyard.command')) rows.push(['Command', <span key="cmd" className="mono">{tagOf(run, 'railyard.command')}</span>])
  return (
    <Section title="Source">
      <KeyValues label="Source code" empty="No source recorded (no git commit tag)." rows={rows} />
    </Section>
  )
}

function Inputs({ run }: { run: Run }) {
  const inputs = inputLinks(run)
  return (
    <Section title="Data">
      {inputs.length === 0 ? (
        <p className="muted">
          No dataset inputs. <code>railyard run --dataset NAME</code> freezes a dataset version for the experiment and records it here.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Dataset inputs">
            <thead>
              <tr>
                <th>Dataset version</th>
                <th>Context</th>
                <th>Source</th>
              </tr>
            </thead>
            <tbody>
              {inputs.map((input) => (
                <tr key={input.name + input.digest}>
                  <td>
                    <DatasetChip input={input} />
                  </td>
                  <td>{input.context ?? '—'}</td>
                  <td className="muted small break">
                    {input.datastore ? (
                      <>
                        datastore <span className="mono">{input.datastore}</span>
                      </>
                    ) : (
                      `${input.sourceType}: ${input.source}`
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  )
}

function RegisteredAs({ runId }: { runId: string }) {
  const versions = useAsync(() => versionsOfRun(runId), [runId])
  if (!versions.data || versions.data.length === 0) return null
  return (
    <Section title="Registered models">
      <ul className="plain-list">
        {versions.data.map((v) => (
          <li key={`${v.name}/${v.version}`}>
            <Link href={path('models', v.name, 'versions', v.version)}>
              {v.name} v{v.version}
            </Link>{' '}
            {(v.aliases ?? []).map((a) => (
              <AliasBadge key={a} alias={a} />
            ))}
          </li>
        ))}
      </ul>
    </Section>
  )
}

function Tags({ run }: { run: Run }) {
  const tags = [...(run.data.tags ?? [])].sort((a, b) => a.key.localeCompare(b.key))
  const user = tags.filter((t) => !SYSTEM_TAG.test(t.key))
  const system = tags.filter((t) => SYSTEM_TAG.test(t.key))
  return (
    <Section title="Tags">
      <KeyValues label="Tags" empty="No tags." rows={user.map((t) => [t.key, <span key={t.key} className="break">{t.value}</span>])} />
      {system.length > 0 && (
        <details className="system-tags">
          <summary>{system.length} system tags</summary>
          <KeyValues label="System tags" empty="" rows={system.map((t) => [t.key, <span key={t.key} className="break mono small">{t.value}</span>])} />
        </details>
      )}
    </Section>
  )
}
