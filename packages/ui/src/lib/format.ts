/** How values look on every page: dates, durations, sizes, metric values. */

const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
})

export function formatTime(ms: number | undefined): string {
  return ms ? dateTime.format(new Date(ms)) : '—'
}

export function timeAgo(ms: number | undefined, now = Date.now()): string {
  if (!ms) return '—'
  const s = Math.round((now - ms) / 1000)
  if (s < 45) return 'just now'
  const units: Array<[number, string]> = [
    [60, 'minute'],
    [3600, 'hour'],
    [86400, 'day'],
    [2592000, 'month'],
    [31536000, 'year'],
  ]
  let chosen = units[0]
  for (const unit of units) if (s >= unit[0] * 0.9) chosen = unit
  const n = Math.max(1, Math.round(s / chosen[0]))
  return `${n} ${chosen[1]}${n === 1 ? '' : 's'} ago`
}

/** `1h 02m`, `3m 05s`, `850ms`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || ms < 0 || !Number.isFinite(ms)) return '—'
  if (ms < 1000) return `${Math.round(ms)}ms`
  const s = Math.floor(ms / 1000)
  if (s < 60) return `${(ms / 1000).toFixed(1)}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`
  const h = Math.floor(m / 60)
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`
  return `${Math.floor(h / 24)}d ${h % 24}h`
}

/** A run's duration: to its end, or to now while it is still going. */
export function runDuration(info: { start_time: number; end_time?: number; status: string }, now = Date.now()): number | undefined {
  if (!info.start_time) return undefined
  if (info.end_time) return info.end_time - info.start_time
  return info.status === 'RUNNING' ? now - info.start_time : undefined
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '—'
  if (n < 1024) return `${n} B`
  const units = ['KB', 'MB', 'GB', 'TB', 'PB']
  let v = n
  let i = -1
  do {
    v /= 1024
    i++
  } while (v >= 1024 && i < units.length - 1)
  return `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : Math.round(v)} ${units[i]}`
}

export function formatCount(n: number | undefined): string {
  return n === undefined ? '—' : n.toLocaleString()
}

/** A metric value from the wire: a number, or "NaN" / "Infinity" / "-Infinity" (JSON has neither). */
export function toNumber(value: number | string | undefined): number {
  if (value === undefined) return NaN
  if (typeof value === 'number') return value
  if (value === 'Infinity') return Infinity
  if (value === '-Infinity') return -Infinity
  return Number(value)
}

/** Up to 6 significant digits, without trailing zeros; very large or small values in exponent form. */
export function formatMetric(value: number | string | undefined): string {
  if (value === undefined) return '—'
  const n = toNumber(value)
  if (Number.isNaN(n)) return 'NaN'
  if (!Number.isFinite(n)) return n > 0 ? '∞' : '−∞'
  if (n === 0) return '0'
  const abs = Math.abs(n)
  if (abs >= 1e9 || abs < 1e-4) return n.toExponential(3)
  if (Number.isInteger(n)) return n.toLocaleString('en-US', { maximumFractionDigits: 0 })
  return String(Number(n.toPrecision(6)))
}

/** A signed change: `+0.0123`, `−2`. */
export function formatDelta(delta: number | undefined): string {
  if (delta === undefined) return ''
  if (delta === 0) return '±0'
  return (delta > 0 ? '+' : '−') + formatMetric(Math.abs(delta))
}

export function shortId(id: string, n = 8): string {
  return id.replace(/^(sha256|blake3):/, '').slice(0, n)
}
