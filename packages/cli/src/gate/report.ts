import type { GateOutcome } from './outcome.js'
import type { Check } from './decide.js'
import { fmt, formatBytes, pct, signed } from './decide.js'

const ICON = { pass: '✅', fail: '❌', error: '⚠️' } as const

/**
 * The Markdown report, fit for a pull-request comment: the verdict and why, champion vs challenger
 * on every checked metric with deltas and thresholds, limits and behavioural tests, the evaluation
 * data, and all other metrics folded away. The first line is a marker a CI step can use to find
 * and update its earlier comment.
 */
export function markdownReport(o: GateOutcome): string {
  const lines: string[] = []
  lines.push(`<!-- railyard-gate model=${o.model} against=${o.against} -->`)
  // An error before the champion lookup leaves both unknown: then the headline claims neither.
  const vs = o.champion ? `vs ${o.against} (version ${o.champion})` : o.first_deployment ? `first deployment to ${o.against}` : `against ${o.against}`
  lines.push(`## ${ICON[o.verdict]} Railyard gate: ${o.verdict.toUpperCase()} — ${o.model} version ${o.candidate} ${vs}`, '')
  if (o.verdict === 'fail') {
    const failed = o.checks.filter((c) => !c.ok).length
    lines.push(`**Why it failed:** ${failed} of ${o.checks.length} checks failed:`, '')
    for (const r of o.reasons) lines.push(`- ${escape(r)}`)
    lines.push('')
  } else {
    lines.push(`**${o.verdict === 'pass' ? 'Why it passed' : 'Why the gate could not decide'}:** ${escape(o.summary)}`, '')
  }
  for (const w of o.warnings ?? []) lines.push(`> **Warning:** ${escape(w)}`, '')

  const metricChecks = o.checks.filter((c) => c.kind === 'primary' || c.kind === 'guard' || c.kind === 'floor')
  if (metricChecks.length) {
    const champ = o.champion ? `Champion (v${o.champion})` : 'Champion'
    lines.push(`| Metric | ${champ} | Challenger (v${o.candidate}) | Δ | Threshold | |`, '|---|---:|---:|---:|---|:-:|')
    for (const c of metricChecks) lines.push(metricRow(c))
    lines.push('')
  }
  const other = o.checks.filter((c) => c.kind === 'size' || c.kind === 'latency' || c.kind === 'behaviour')
  if (other.length) {
    lines.push('| Check | Challenger | Limit | |', '|---|---:|---|:-:|')
    for (const c of other) lines.push(`| ${escape(c.name)} | ${limitValue(c, o)} | ${c.threshold} | ${c.ok ? '✅' : '❌'} |`)
    lines.push('')
  }
  const failures = (o.behavioural ?? []).flatMap((b) => b.failures.map((f) => `${b.file}:${f.line}: ${f.detail}`))
  if (failures.length) {
    lines.push('<details><summary>Behavioural test failures</summary>', '')
    for (const f of failures) lines.push(`- ${escape(f)}`)
    lines.push('', '</details>', '')
  }

  lines.push(`**Evaluation data:** ${dataLine(o)}`, '')
  const all = allMetricsTable(o)
  if (all) lines.push('<details><summary>All metrics</summary>', '', all, '', '</details>', '')
  lines.push(`<sub>Policy \`${o.policy}\` · ${o.gate_result_id ? `recorded as gate result #${o.gate_result_id}` : 'not recorded'} · ${(o.duration_ms / 1000).toFixed(1)} s</sub>`)
  return `${lines.join('\n')}\n`
}

function metricRow(c: Check): string {
  const role = c.kind === 'primary' ? `**${escape(c.name)}** (primary)` : c.kind === 'guard' ? `${escape(c.name)} (guard)` : `${escape(c.name)} (floor)`
  const champion = c.champion === undefined ? '—' : fmt(c.champion)
  const delta = c.delta === undefined ? '—' : signed(c.delta)
  return `| ${role} | ${champion} | ${fmt(c.challenger!)} | ${delta} | ${c.threshold} | ${c.ok ? '✅' : '❌'} |`
}

function limitValue(c: Check, o: GateOutcome): string {
  if (c.kind === 'size') return formatBytes(c.challenger!)
  if (c.kind === 'latency') return `${c.challenger!.toFixed(3)} ms (p95 of ${o.latency?.samples})`
  const b = o.behavioural?.find((x) => x.file === c.name)
  return b ? `${b.passed}/${b.cases} (${pct(b.pass_rate)})` : pct(c.challenger!)
}

function dataLine(o: GateOutcome): string {
  const d = o.data
  if (!d) return 'none read'
  if (d.kind === 'run_inputs') {
    return `both runs logged their metrics on dataset \`${d.dataset}\` version \`${d.version ?? d.digest}\` (context \`${d.context}\`); the gate compared the logged values.`
  }
  const both = o.champion ? 'both models evaluated by the gate on the same rows' : 'the candidate evaluated by the gate'
  const files = d.files.map((f) => `\`${f.path}\` (${f.rows} rows, \`${f.oid.slice(0, 19)}…\`)`).join(', ')
  if (d.kind === 'path') return `local file ${files}; ${both}.`
  const frozen = d.kind === 'frozen' ? `, frozen for experiment \`${d.experiment}\`` : ''
  return `Railyard dataset \`${d.dataset}\` version \`${d.version}\`${frozen}: ${files}; ${d.rows} rows in all; ${both}.`
}

function allMetricsTable(o: GateOutcome): string | undefined {
  const { challenger, champion } = o.metrics
  if (!challenger) return undefined
  const keys = [...new Set([...Object.keys(challenger), ...Object.keys(champion ?? {})])].sort()
  const rows = keys.map((k) => {
    const a = champion?.[k]
    const b = challenger[k]
    const delta = a !== undefined && b !== undefined ? signed(b - a) : '—'
    return `| ${escape(k)} | ${a === undefined ? '—' : fmt(a)} | ${b === undefined ? '—' : fmt(b)} | ${delta} |`
  })
  return ['| Metric | Champion | Challenger | Δ |', '|---|---:|---:|---:|', ...rows].join('\n')
}

/** Table cells and list items must not break the Markdown around them. */
function escape(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}
