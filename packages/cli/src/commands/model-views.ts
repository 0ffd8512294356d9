import type {
  AuditEntry,
  Metric,
  ModelVersion,
  ModelVersionComparison,
  ModelVersionLineage,
  RegisteredModel,
} from '@railyard/sdk'
import { clip, formatTime, printSection, printTable } from '../output.js'

/** `railyard models ls`: one line per model. */
export function printModelsTable(models: RegisteredModel[]): void {
  printTable(
    ['NAME', 'LATEST', 'ALIASES', 'UPDATED', 'DESCRIPTION'],
    models.map((m) => [
      m.name,
      latestVersion(m) ?? '-',
      aliasesText(m),
      formatTime(m.last_updated_timestamp),
      clip(m.description ?? '', 60),
    ]),
    '(no registered models)',
  )
}

/** `railyard models show`: the model, then its versions. */
export function printModel(model: RegisteredModel, versions: ModelVersion[]): void {
  printSection('Model', [
    ['name', model.name],
    ['description', model.description ? clip(model.description, 120) : '-'],
    ['created', formatTime(model.creation_timestamp)],
    ['updated', formatTime(model.last_updated_timestamp)],
  ])
  console.log()
  printSection('Aliases', (model.aliases ?? []).map((a) => [a.alias, `version ${a.version}`]))
  console.log()
  printSection('Tags', (model.tags ?? []).map((t) => [t.key, clip(t.value)]))
  console.log()
  console.log('Versions:')
  printVersionsTable(versions)
}

/** Versions, newest first. */
export function printVersionsTable(versions: ModelVersion[]): void {
  printTable(
    ['VERSION', 'STATUS', 'ALIASES', 'STAGE', 'RUN ID', 'CREATED', 'DESCRIPTION'],
    versions.map((v) => [
      v.version,
      v.status === 'FAILED_REGISTRATION' && v.status_message ? `FAILED: ${clip(v.status_message, 40)}` : v.status,
      (v.aliases ?? []).join(', ') || '-',
      v.current_stage,
      v.run_id ?? '-',
      formatTime(v.creation_timestamp),
      clip(v.description ?? '', 50),
    ]),
    '(no versions)',
  )
}

/** `railyard models lineage`: version → run → code → params, metrics → datasets. */
export function printLineage(l: ModelVersionLineage): void {
  const mv = l.model_version
  printSection('Model version', [
    ['model', `${mv.name} version ${mv.version}`],
    ['status', mv.status],
    ['aliases', (mv.aliases ?? []).join(', ') || '-'],
    ['source', mv.source],
    ['registered', `${formatTime(mv.creation_timestamp)}${mv.user_id ? ` by ${mv.user_id}` : ''}`],
    ['files', l.tree_oid ?? '-'],
    ['flavors', l.flavors?.join(', ') ?? '-'],
    ...(l.copied_from ? ([['copied from', `${l.copied_from.name} version ${l.copied_from.version}`]] as Array<[string, string]>) : []),
  ])
  console.log()
  // Where the version came from as CI tells it (git.commit, ci.pull_request, …) and its gate verdicts.
  if (mv.tags?.length) {
    printSection('Version tags', mv.tags.map((t) => [t.key, clip(t.value)]))
    console.log()
  }
  const run = l.run
  const now = l.run_now && !l.run_now.exists ? ' (since deleted for good)' : l.run_now?.lifecycle_stage === 'deleted' ? ' (deleted since)' : ''
  printSection(
    'Run',
    run
      ? [
          ['id', `${run.run_id}${now}`],
          ['name', run.run_name ?? '-'],
          ['experiment', run.experiment_name ? `${run.experiment_id} (${run.experiment_name})` : run.experiment_id],
          // As registered, and today when it moved on since (a version registered inside its run).
          ['status', sinceRegistration(run.status ?? '-', l.run_now?.status)],
          ['user', run.user_id ?? '-'],
          ['started', formatTime(run.start_time)],
          ['ended', sinceRegistration(formatTime(run.end_time), l.run_now?.end_time !== undefined ? formatTime(l.run_now.end_time) : undefined)],
        ]
      : [],
  )
  console.log()
  const code = l.code ?? {}
  printSection(
    'Code',
    [
      ['commit', code.commit],
      ['repository', code.repo_url],
      ['branch', code.branch],
      ['entry point', code.source_name],
      ['source type', code.source_type],
    ].filter((p): p is [string, string] => p[1] !== undefined),
  )
  console.log()
  printSection('Params', (l.params ?? []).map((p) => [p.key, clip(p.value)]))
  console.log()
  printSection('Metrics at registration', (l.metrics ?? []).map((m: Metric) => [m.key, `${m.value}  (step ${m.step})`]))
  console.log()
  printSection(
    'Datasets',
    (l.dataset_inputs ?? []).map((d) => [
      d.dataset.name,
      `${d.dataset.digest}  ${d.dataset.source_type}: ${clip(d.dataset.source, 100)}${contextOf(d.tags)}`,
    ]),
  )
  console.log(`\nCaptured ${formatTime(l.captured_at)}, when the version was registered.`)
}

/** `railyard models compare`: what changed from a to b. */
export function printComparison(c: ModelVersionComparison): void {
  const a = c.version_a.version
  const b = c.version_b.version
  console.log(`${c.version_a.name}: version ${a} (base) → version ${b} (candidate)\n`)
  console.log('Metrics:')
  printTable(
    ['METRIC', `V${a}`, `V${b}`, 'DELTA'],
    (c.metrics ?? []).map((m) => [m.key, valueText(m.a), valueText(m.b), m.delta === undefined ? '-' : signed(m.delta)]),
  )
  console.log()
  const params = c.params
  printSection('Params', [
    ...(params?.changed ?? []).map((p): [string, string] => [p.key, `${clip(p.a ?? '', 35)} → ${clip(p.b ?? '', 35)}`]),
    ...(params?.added ?? []).map((p): [string, string] => [p.key, `(new) ${clip(p.b ?? '')}`]),
    ...(params?.removed ?? []).map((p): [string, string] => [p.key, `(removed, was ${clip(p.a ?? '')})`]),
  ])
  if (params) console.log(`  ${params.unchanged} unchanged`)
  console.log()
  const ds = c.datasets
  printSection('Datasets', [
    ...(ds?.changed ?? []).map((d): [string, string] => [d.name, `${d.a.digest} → ${d.b.digest}${d.files ? ` (${fileChanges(d.files)})` : ''}`]),
    ...(ds?.added ?? []).map((d): [string, string] => [d.name, `(new) ${d.digest}`]),
    ...(ds?.removed ?? []).map((d): [string, string] => [d.name, `(removed, was ${d.digest})`]),
  ])
  if (ds) console.log(`  ${ds.unchanged} unchanged`)
  console.log()
  printSection('Code', [['commit', c.code.same ? `${c.code.a ?? '(unknown)'} (same)` : `${c.code.a ?? '(unknown)'} → ${c.code.b ?? '(unknown)'}`]])
  console.log()
  const files = c.files
  printSection('Files', [
    ...(files?.changed ?? []).map((f): [string, string] => [f.path, `changed (${f.a.size} → ${f.b.size} bytes)`]),
    ...(files?.added ?? []).map((f): [string, string] => [f.path, `added (${f.size} bytes)`]),
    ...(files?.removed ?? []).map((f): [string, string] => [f.path, 'removed']),
  ])
  if (files) console.log(`  ${files.unchanged} unchanged`)
}

/** `railyard models audit`: oldest first. */
export function printAudit(entries: AuditEntry[]): void {
  printTable(
    ['TIME', 'WHO', 'ACTION', 'VERSION', 'ALIAS', 'CHANGE', 'REASON'],
    entries.map((e) => [
      formatTime(e.timestamp),
      e.who,
      e.action,
      e.version ?? '-',
      e.subject ?? '-',
      e.from === undefined && e.to === undefined ? '-' : `${clip(e.from ?? '-', 30)} → ${clip(e.to ?? '-', 30)}`,
      clip(e.reason ?? '', 60),
    ]),
    '(no audit entries)',
  )
}

function latestVersion(m: RegisteredModel): string | undefined {
  const numbers = (m.latest_versions ?? []).map((v) => Number(v.version))
  return numbers.length ? String(Math.max(...numbers)) : undefined
}

function aliasesText(m: RegisteredModel): string {
  return (m.aliases ?? []).map((a) => `${a.alias}=${a.version}`).join(', ') || '-'
}

function contextOf(tags: Array<{ key: string; value: string }> | undefined): string {
  const context = tags?.find((t) => t.key === 'mlflow.data.context')?.value
  return context ? `  (${context})` : ''
}

function valueText(v: number | string | undefined): string {
  return v === undefined ? '-' : String(v)
}

function signed(n: number): string {
  const text = Number.isInteger(n) ? String(n) : n.toPrecision(4).replace(/\.?0+$/, '')
  return n > 0 ? `+${text}` : text
}

/** `+2 files, -1 file, 1 modified, 3 unchanged`: how two versions of a dataset differ. */
function fileChanges(f: { added: number; removed: number; modified: number; unchanged: number }): string {
  const n = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`
  return `+${n(f.added, 'file')}, -${n(f.removed, 'file')}, ${f.modified} modified, ${f.unchanged} unchanged`
}

function sinceRegistration(atRegistration: string, now: string | undefined): string {
  return now === undefined || now === atRegistration ? atRegistration : `${now} (${atRegistration} at registration)`
}
