import { sql, type Expression, type SqlBool } from 'kysely'
import { InvalidParameterError } from '@railyard/api'
import type { Comparison, FilterValue } from '../search/ast.js'
import { parseFilter } from '../search/filter-parser.js'
import { parseOrderBy } from '../search/order-by-parser.js'
import { LOGGED_MODEL_SEARCH } from '../search/logged-model-policy.js'
import { binaryText, compareInteger, compareNumber, compareText } from '../search/sql-predicates.js'
import type { DialectCaps } from './dialects.js'
import type { LoggedModelsDb } from './logged-models-schema.js'

/** A dataset a metric must have been logged on; the digest is optional. */
export interface DatasetRef {
  dataset_name: string
  dataset_digest?: string
}

/** One sort key as MLflow's client sends it (SearchLoggedModels.OrderBy). */
export interface LoggedModelOrder {
  field_name: string
  ascending?: boolean
  /** For `metrics.<k>` only: sort by the value logged on this dataset. */
  dataset_name?: string
  dataset_digest?: string
}

export interface LoggedModelSearchQuery {
  experimentIds: number[]
  filter?: string
  datasets: DatasetRef[]
  orderBy: LoggedModelOrder[]
  offset: number
  limit: number
}

/** Attribute columns; experiment_id is an integer column compared as text, as the wire carries it. */
const COLUMNS: Record<string, { expr: Expression<unknown>; numeric: boolean }> = {
  model_id: { expr: sql.ref('lm.model_id'), numeric: false },
  name: { expr: sql.ref('lm.name'), numeric: false },
  model_type: { expr: sql.ref('lm.model_type'), numeric: false },
  source_run_id: { expr: sql.ref('lm.source_run_id'), numeric: false },
  status: { expr: sql.ref('lm.status'), numeric: false },
  experiment_id: { expr: sql`cast(lm.experiment_id as varchar(32))`, numeric: false },
  creation_timestamp_ms: { expr: sql.ref('lm.creation_timestamp_ms'), numeric: true },
  last_updated_timestamp_ms: { expr: sql.ref('lm.last_updated_timestamp_ms'), numeric: true },
}

const SHORT_STATUS = /^(PENDING|READY|UPLOAD_FAILED)$/i

/**
 * The ids of live logged models in `experimentIds` matching an MLflow filter, one page, in the
 * requested order then newest first (MLflow's default). A metric clause holds when any point of
 * that metric (on one of `datasets`, when given) satisfies it; with datasets but no metric clause,
 * a model must have some metric on one of them. InvalidParameterError for a bad filter or sort key.
 */
export async function searchLoggedModelIds(db: LoggedModelsDb, caps: DialectCaps, q: LoggedModelSearchQuery): Promise<string[]> {
  const comparisons = parseFilter(q.filter, LOGGED_MODEL_SEARCH)
  const orders = q.orderBy.map(parseOrder)
  if (q.experimentIds.length === 0) return []
  let query = db
    .selectFrom('logged_models as lm')
    .select('lm.model_id')
    .where('lm.lifecycle_stage', '=', 'active')
    .where('lm.experiment_id', 'in', q.experimentIds)
  const onDatasets = datasetPredicate(q.datasets)
  for (const c of comparisons) query = query.where(predicate(caps, c, onDatasets))
  if (onDatasets && !comparisons.some((c) => c.type === 'metric')) {
    query = query.where(sql<SqlBool>`exists (select 1 from logged_model_metrics mm where mm.model_id = lm.model_id and ${onDatasets})`)
  }
  for (const o of orders) {
    const direction = o.ascending ? 'asc' : 'desc'
    const key = o.metric ? latestMetric(o.metric, o.dataset_name, o.dataset_digest) : o.column!
    // Models without the key sort last either way, as in MLflow.
    query = query.orderBy(sql`case when ${key} is null then 1 else 0 end`).orderBy(key, direction)
  }
  if (!orders.some((o) => o.column && o.attribute === 'creation_timestamp_ms')) query = query.orderBy('lm.creation_timestamp_ms', 'desc')
  query = query.orderBy('lm.model_id')
  const rows = await query.offset(q.offset).limit(q.limit).execute()
  return rows.map((r) => r.model_id)

  function parseOrder(o: LoggedModelOrder) {
    const parsed = o.field_name.trim() === '' ? undefined : parseOrderBy([o.field_name], LOGGED_MODEL_SEARCH)[0]
    if (!parsed) throw new InvalidParameterError(`Invalid order by field name: '${o.field_name}'.`)
    const ascending = o.ascending ?? true
    if (parsed.type === 'metric') return { ascending, metric: parsed.key, dataset_name: o.dataset_name, dataset_digest: o.dataset_digest }
    if (o.dataset_name || o.dataset_digest) {
      throw new InvalidParameterError(`Invalid order by '${o.field_name}': dataset_name and dataset_digest apply to metrics only.`)
    }
    const { expr, numeric } = COLUMNS[parsed.key]
    return { ascending, attribute: parsed.key, column: numeric ? expr : binaryText(caps.name, expr) }
  }
}

/** The latest point (by timestamp, then step) of metric `key` of the row's model; NULL when none or NaN. */
function latestMetric(key: string, datasetName?: string, datasetDigest?: string): Expression<unknown> {
  const onDataset = datasetName ? sql` and mm.dataset_name = ${datasetName}` : sql``
  const onDigest = datasetName && datasetDigest ? sql` and mm.dataset_digest = ${datasetDigest}` : sql``
  return sql`(select case when mm.is_nan = 1 then null else mm.value end from logged_model_metrics mm
    where mm.model_id = lm.model_id and mm.key = ${key}${onDataset}${onDigest}
    order by mm.timestamp desc, mm.step desc limit 1)`
}

/** `(name = a [and digest = b]) or …` over `mm`, or undefined when no datasets were given. */
function datasetPredicate(datasets: DatasetRef[]): Expression<SqlBool> | undefined {
  if (datasets.length === 0) return undefined
  const alternatives = datasets.map((d) =>
    d.dataset_digest
      ? sql<SqlBool>`(mm.dataset_name = ${d.dataset_name} and mm.dataset_digest = ${d.dataset_digest})`
      : sql<SqlBool>`mm.dataset_name = ${d.dataset_name}`,
  )
  return sql<SqlBool>`(${sql.join(alternatives, sql` or `)})`
}

function predicate(caps: DialectCaps, c: Comparison, onDatasets: Expression<SqlBool> | undefined): Expression<SqlBool> {
  switch (c.type) {
    case 'metric': {
      const value = numberOf(c)
      // NaN satisfies only `!=` (IEEE), as for run metrics.
      const compared =
        c.comparator === '!='
          ? sql<SqlBool>`(mm.is_nan = 1 or ${compareNumber(sql.ref('mm.value'), '!=', value)})`
          : sql<SqlBool>`(mm.is_nan = 0 and ${compareNumber(sql.ref('mm.value'), c.comparator, value)})`
      const datasets = onDatasets ? sql` and ${onDatasets}` : sql``
      return sql<SqlBool>`exists (select 1 from logged_model_metrics mm
        where mm.model_id = lm.model_id and mm.key = ${c.key} and ${compared}${datasets})`
    }
    case 'param':
    case 'tag': {
      const table = sql.table(c.type === 'param' ? 'logged_model_params' : 'logged_model_tags')
      return sql<SqlBool>`exists (select 1 from ${table} kv where kv.model_id = lm.model_id and kv.key = ${c.key}
        and ${compareText(caps.name, sql.ref('kv.value'), c.comparator, c.value)})`
    }
    default: {
      const { expr, numeric } = COLUMNS[c.key]
      if (numeric) return compareInteger(expr, c.comparator, numberOf(c))
      return compareText(caps.name, expr, c.comparator, c.key === 'status' ? fullStatusNames(c.value) : c.value)
    }
  }
}

function numberOf(c: Comparison): number {
  if (c.value.kind !== 'number') throw new TypeError(`expected a number for ${c.key}`)
  return c.value.value
}

/** `READY` means `LOGGED_MODEL_READY`: users write the short names the Python entity prints. */
function fullStatusNames(value: FilterValue): FilterValue {
  const full = (s: string) => (SHORT_STATUS.test(s) ? `LOGGED_MODEL_${s.toUpperCase()}` : s)
  if (value.kind === 'string') return { kind: 'string', value: full(value.value) }
  if (value.kind === 'list') return { kind: 'list', values: value.values.map(full) }
  return value
}
