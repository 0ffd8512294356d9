import type { ReactNode } from 'react'

/** One figure in a `.stat-row`: a small label over the value. `className` adds classes (`wide`, `diff-added`). */
export function Stat({ label, value, className }: { label: string; value: ReactNode; className?: string }) {
  return (
    <div className={className ? `stat ${className}` : 'stat'}>
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
    </div>
  )
}
