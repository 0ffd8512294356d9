import os from 'node:os'
import type { Backend } from './databases.js'
import type { IngestResult } from './ingest.js'
import type { SweepResult } from './sweep.js'
import type { SearchResult } from './search.js'

export interface BackendResults {
  /** Median rounds of each side, and the median of the per-round ratios (HTTP ÷ the ceiling round just before it). */
  http?: IngestResult
  direct?: IngestResult
  ingestRatio?: number
  ingestRounds?: Array<{ direct: IngestResult; http: IngestResult; ratio: number }>
  sweep?: SweepResult
  search?: SearchResult[]
  serverRssMb?: number
  serverPeakRssMb?: number
}

export interface Results {
  command: string
  date: string
  machine: { nproc: number; cpu: string; memoryGb: number; node: string; loadAverageAtStart: number[]; loadAverageAtEnd?: number[] }
  backends: Partial<Record<Backend, BackendResults>>
}

export function machineFacts(): Results['machine'] {
  return {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadAverageAtStart: os.loadavg().map((x) => Number(x.toFixed(2))),
  }
}

const int = (n: number | undefined) => (n === undefined ? '–' : Math.round(n).toLocaleString('en-US'))
const ms = (n: number | undefined) => (n === undefined ? '–' : n < 10 ? n.toFixed(2) : n.toFixed(1))
const pass = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? ' ✓' : ' ✗')

/** The results as a Markdown table: one row per measure, one column per backend. */
export function markdownTable(r: Results): string {
  const backends = (['sqlite', 'postgres'] as Backend[]).filter((b) => r.backends[b])
  const head = `| measure | ${backends.map((b) => (b === 'sqlite' ? 'SQLite' : 'PostgreSQL')).join(' | ')} | target |`
  const rows: string[] = [head, `|---|${backends.map(() => '---:').join('|')}|---|`]
  const row = (label: string, cell: (b: BackendResults, name: Backend) => string, target: string) =>
    rows.push(`| ${label} | ${backends.map((b) => cell(r.backends[b]!, b)).join(' | ')} | ${target} |`)

  row('log-batch over HTTP, points/s (1000/call, 4 clients)', (b, n) => int(b.http?.pointsPerSecond) + pass(n === 'sqlite' && b.http ? b.http.pointsPerSecond >= 100_000 : undefined), '≥ 100,000 on SQLite')
  row('same rows direct into the store, points/s (ceiling)', (b) => int(b.direct?.pointsPerSecond), '')
  row('HTTP ÷ ceiling (median of alternating rounds)', (b) => {
    if (b.ingestRatio === undefined) return '–'
    return `${(b.ingestRatio * 100).toFixed(0)}%${pass(b.ingestRatio >= 0.5)}`
  }, '≥ 50%')
  row('CPU per 1000 points, ms: server over HTTP / direct', (b) => (b.http && b.direct ? `${b.http.cpuMsPer1000Points.toFixed(2)} / ${b.direct.cpuMsPer1000Points.toFixed(2)}` : '–'), '')
  row('sweep: runs created/s (create + small batch, 4 clients)', (b) => int(b.sweep?.runsPerSecond) + pass(b.sweep ? b.sweep.runsPerSecond >= 900 : undefined), '≥ 900')
  row('sweep: CPU per run, ms: server / load generator', (b) => (b.sweep ? `${b.sweep.serverCpuMsPerRun.toFixed(2)} / ${b.sweep.clientCpuMsPerRun.toFixed(2)}` : '–'), '')
  const sizes = [...new Set(backends.flatMap((n) => r.backends[n]!.search?.map((s) => s.runs) ?? []))].sort((a, b) => a - b)
  for (const size of sizes) {
    const target = size <= 1000 ? 10 : size >= 100_000 ? 50 : undefined
    row(`search p50 / p95 ms (server CPU per call), ${int(size)} runs`, (b) => {
      const s = b.search?.find((x) => x.runs === size)
      if (!s) return '–'
      return `${ms(s.p50Ms)} / ${ms(s.p95Ms)}${pass(target === undefined ? undefined : s.p50Ms <= target)}${s.correct ? '' : ' (wrong results)'} (CPU ${ms(s.serverCpuMs)})`
    }, target === undefined ? '' : `p50 ≤ ${target} ms`)
  }
  row('server RSS after the benchmark, MB (peak)', (b) => (b.serverRssMb === undefined ? '–' : `${int(b.serverRssMb)} (${int(b.serverPeakRssMb)})${pass(b.serverRssMb <= 200)}`), '≤ 200')
  return rows.join('\n')
}
