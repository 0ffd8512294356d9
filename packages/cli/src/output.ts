/** Output helpers: aligned tables and times for people, JSON for scripts. */

/** Prints rows under headers with columns padded to their widest cell; an empty list prints `empty`. */
export function printTable(headers: string[], rows: string[][], empty = '(none)'): void {
  if (rows.length === 0) {
    console.log(empty)
    return
  }
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  console.log(line(headers))
  for (const r of rows) console.log(line(r))
}

/** Key/value lines under a title, keys aligned. */
export function printSection(title: string, pairs: Array<[string, string]>): void {
  console.log(`${title}:`)
  if (pairs.length === 0) {
    console.log('  (none)')
    return
  }
  const width = Math.max(...pairs.map(([k]) => k.length))
  for (const [k, v] of pairs) console.log(`  ${k.padEnd(width)}  ${v}`)
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2))
}

/** Local time, to the second: `2024-05-01 14:03:22`. */
export function formatTime(ms: number | undefined): string {
  if (ms === undefined || ms === null) return '-'
  const d = new Date(Number(ms))
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
}

/** `850ms`, `42.1s`, `3m 12s`, `2h 05m`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '-'
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`
  const s = Math.floor(ms / 1000)
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

/** Long values (a logged model's JSON) would wreck a table; people see the start. */
export function clip(value: string, max = 80): string {
  const flat = value.replace(/\s*\n\s*/g, ' ')
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}

let exitOnClosedOutput = true

/**
 * `railyard runs ls | head` closes our stdout early; that is the reader's choice, not an error, so
 * we exit quietly. `railyard run` turns this off: its command keeps running either way.
 */
export function handleClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' && exitOnClosedOutput) process.exit(0)
    })
  }
}

export function keepRunningOnClosedOutput(): void {
  exitOnClosedOutput = false
}
