import { useState } from 'react'
import type { GateResult } from '@railyard/api'
import { gateResult, gateResults } from '../../api/registry.js'
import { Link } from '../../components/link.js'
import { AliasBadge, VerdictBadge } from '../../components/badges.js'
import { Empty, ErrorMessage, Loading } from '../../components/states.js'
import { formatTime, timeAgo } from '../../lib/format.js'
import { path } from '../../lib/router.js'
import { useAsync } from '../../lib/use-async.js'
import { isMissingEndpoint } from './model-facts.js'

/** The promotion gate's verdicts on a model's versions (or one version's), newest first, each with its report. */
export function GateResults({ name, version }: { name: string; version?: string }) {
  const results = useAsync(() => gateResults(name, version), [name, version])
  if (results.error) {
    if (isMissingEndpoint(results.error)) return <p className="muted">This server records no gate results.</p>
    return <ErrorMessage error={results.error} onRetry={results.reload} />
  }
  if (!results.data) return <Loading what="Loading gate results" />
  if (results.data.length === 0) {
    return (
      <Empty title={version ? 'No gate has judged this version.' : 'No gate results yet.'}>
        A CI gate compares a candidate version with the one an alias points to and records its verdict with{' '}
        <code>POST /api/2.0/railyard/gates/record</code>.
      </Empty>
    )
  }
  return (
    <div className="table-wrap">
      <table className="table" aria-label="Gate results">
        <thead>
          <tr>
            <th>When</th>
            {!version && <th>Version</th>}
            <th>Against</th>
            <th>Verdict</th>
            <th>Summary</th>
            <th>Who</th>
            <th>Report</th>
          </tr>
        </thead>
        <tbody>
          {results.data.map((g) => (
            <GateRow key={g.id} gate={g} showVersion={!version} />
          ))}
        </tbody>
      </table>
    </div>
  )
}

function GateRow({ gate, showVersion }: { gate: GateResult; showVersion: boolean }) {
  const [open, setOpen] = useState(false)
  const columns = showVersion ? 7 : 6
  return (
    <>
      <tr>
        <td title={formatTime(gate.created_at)}>{timeAgo(gate.created_at)}</td>
        {showVersion && (
          <td>
            <Link href={path('models', gate.name, 'versions', gate.version)}>v{gate.version}</Link>
          </td>
        )}
        <td className="nowrap">
          <AliasBadge alias={gate.against_alias} />
          {gate.champion_version ? <span className="muted small"> (was v{gate.champion_version})</span> : <span className="muted small"> (first)</span>}
        </td>
        <td>
          <VerdictBadge verdict={gate.verdict} />
        </td>
        <td className="break">{gate.summary ?? ''}</td>
        <td>{gate.who}</td>
        <td>
          <button type="button" className="link-button" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
            {open ? 'Hide' : 'Show'}
          </button>
        </td>
      </tr>
      {open && (
        <tr className="detail-row">
          <td colSpan={columns}>
            <GateReport id={gate.id} />
          </td>
        </tr>
      )}
    </>
  )
}

function GateReport({ id }: { id: string }) {
  const full = useAsync(() => gateResult(id), [id])
  if (full.error) return <ErrorMessage error={full.error} />
  if (!full.data) return <Loading what="Loading the report" />
  const { markdown, report } = full.data
  if (!markdown && report === undefined) return <p className="muted">The gate recorded no report.</p>
  return markdown ? <pre className="report">{markdown}</pre> : <pre className="report">{JSON.stringify(report, null, 2)}</pre>
}
