import type { GateVerdict, RunStatus } from '@railyard/api'

export function StatusBadge({ status }: { status: RunStatus | string }) {
  return <span className={`badge status-${status.toLowerCase()}`}>{status === 'RUNNING' ? '● Running' : status.charAt(0) + status.slice(1).toLowerCase()}</span>
}

/** Aliases name what is deployed; `production` is the one people ask about, so it stands out. */
export function AliasBadge({ alias, version }: { alias: string; version?: string }) {
  const production = alias === 'production' || alias === 'prod'
  return (
    <span className={`badge alias${production ? ' alias-production' : ''}`} title={version ? `@${alias} → version ${version}` : `@${alias}`}>
      @{alias}
      {version && <span className="alias-version"> v{version}</span>}
    </span>
  )
}

export function VerdictBadge({ verdict }: { verdict: GateVerdict | string }) {
  const label = verdict === 'pass' ? '✓ pass' : verdict === 'fail' ? '✗ fail' : verdict === 'error' ? '! error' : verdict
  return <span className={`badge verdict-${verdict}`}>{label}</span>
}

export function VersionStatusBadge({ status }: { status: string }) {
  if (status === 'READY') return null
  return <span className={`badge ${status === 'FAILED_REGISTRATION' ? 'status-failed' : 'status-scheduled'}`}>{status.replace(/_/g, ' ').toLowerCase()}</span>
}
