import type { DatasetInput, Run } from '@railyard/api'

/** What a runs-table column shows, and how the server's search orders by it. */
export type ColumnKind = 'metric' | 'param' | 'tag' | 'attribute'

const PREFIX: Record<ColumnKind, string> = { metric: 'metrics', param: 'params', tag: 'tags', attribute: 'attributes' }

/** Tags Railyard and MLflow clients set for themselves; shown as columns of their own or not at all. */
export const SYSTEM_TAG = /^(mlflow|railyard)\./
export const COMMIT_TAG = 'mlflow.source.git.commit'

/**
 * The order_by clause of MLflow's search grammar for a column: keys are quoted with backticks
 * (double quotes when the key itself has a backtick), so any key works.
 */
export function orderClause(kind: ColumnKind, key: string, desc: boolean): string {
  const quoted = key.includes('`') ? `"${key.replace(/"/g, '\\"')}"` : `\`${key}\``
  return `${PREFIX[kind]}.${kind === 'attribute' ? key : quoted} ${desc ? 'DESC' : 'ASC'}`
}

/** Whether `clause` orders by this column, and in which direction. */
export function sortStateOf(clause: string | undefined, kind: ColumnKind, key: string): 'asc' | 'desc' | undefined {
  if (!clause) return undefined
  if (clause === orderClause(kind, key, true)) return 'desc'
  if (clause === orderClause(kind, key, false)) return 'asc'
  return undefined
}

export const DEFAULT_ORDER = orderClause('attribute', 'start_time', true)

/** The metric, param and user tag keys of a set of runs, each sorted, for the table's columns. */
export function columnKeys(runs: Run[]): { metrics: string[]; params: string[]; tags: string[] } {
  const metrics = new Set<string>()
  const params = new Set<string>()
  const tags = new Set<string>()
  for (const run of runs) {
    for (const m of run.data.metrics ?? []) metrics.add(m.key)
    for (const p of run.data.params ?? []) params.add(p.key)
    for (const t of run.data.tags ?? []) if (!SYSTEM_TAG.test(t.key)) tags.add(t.key)
  }
  const sorted = (s: Set<string>) => [...s].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
  return { metrics: sorted(metrics), params: sorted(params), tags: sorted(tags) }
}

export function tagOf(run: Run, key: string): string | undefined {
  return run.data.tags?.find((t) => t.key === key)?.value
}

export function paramOf(run: Run, key: string): string | undefined {
  return run.data.params?.find((p) => p.key === key)?.value
}

export function metricOf(run: Run, key: string): number | string | undefined {
  return run.data.metrics?.find((m) => m.key === key)?.value
}

export function runName(run: Run): string {
  // Run ids are time-ordered: their tail, not their head, tells neighbours apart.
  return run.info.run_name || tagOf(run, 'mlflow.runName') || `…${run.info.run_id.slice(-8)}`
}

/** A dataset input as the UI links it: Railyard datasets point at their version page. */
export interface InputLink {
  name: string
  digest: string
  context?: string
  /** Set for Railyard datasets (source_type `railyard`): where the version's page is. */
  dataset?: string
  versionId?: string
  datastore?: string
  source: string
  sourceType: string
}

export function inputLinks(run: Run): InputLink[] {
  return datasetInputLinks(run.inputs?.dataset_inputs)
}

export function datasetInputLinks(inputs: DatasetInput[] | undefined): InputLink[] {
  return (inputs ?? []).map((input) => {
    const d = input.dataset
    const link: InputLink = {
      name: d.name,
      digest: d.digest,
      context: input.tags?.find((t) => t.key === 'mlflow.data.context')?.value,
      source: d.source,
      sourceType: d.source_type,
    }
    if (d.source_type === 'railyard') {
      try {
        const src = JSON.parse(d.source) as { dataset?: string; version_id?: string; datastore?: string }
        link.dataset = src.dataset ?? d.name
        link.versionId = src.version_id ?? d.digest
        link.datastore = src.datastore
      } catch {
        // a hand-written source: show it as text
      }
    }
    return link
  })
}
