import { sql, type Expression, type SqlBool } from 'kysely'
import type { Comparison } from '../search/ast.js'
import { parseFilter } from '../search/filter-parser.js'
import { parseOrderBy } from '../search/order-by-parser.js'
import { MODEL_VERSION_SEARCH, REGISTERED_MODEL_SEARCH } from '../search/policies.js'
import { binaryText, compareInteger, compareText } from '../search/sql-predicates.js'
import type { DialectCaps } from './dialects.js'
import { DELETED_STAGE, type RegistryDb } from './registry-schema.js'
import type { ModelRow } from './registry-repo.js'
import type { VersionRow } from './model-versions-repo.js'

export interface RegistrySearchQuery {
  /** MLflow filter string, e.g. `name LIKE 'churn%' AND tags.team = 'growth'`. */
  filter?: string
  orderBy: string[]
  offset: number
  limit: number
}

interface Column {
  column: string
  numeric: boolean
}

const MODEL_COLUMNS: Record<string, Column> = {
  name: { column: 'm.name', numeric: false },
  creation_timestamp: { column: 'm.creation_timestamp', numeric: true },
  last_updated_timestamp: { column: 'm.last_updated_timestamp', numeric: true },
}

const VERSION_COLUMNS: Record<string, Column> = {
  name: { column: 'm.name', numeric: false },
  run_id: { column: 'v.run_id', numeric: false },
  source_path: { column: 'v.source', numeric: false },
  version_number: { column: 'v.version', numeric: true },
  creation_timestamp: { column: 'v.creation_timestamp', numeric: true },
  last_updated_timestamp: { column: 'v.last_updated_timestamp', numeric: true },
}

/**
 * Registered models matching an MLflow filter (`name`, `tags.<k>`), one page. Ordered by
 * `orderBy` (name, creation_timestamp, last_updated_timestamp), then by name, MLflow's default.
 * InvalidParameterError for a malformed filter or order.
 */
export async function searchModelRows(db: RegistryDb, caps: DialectCaps, q: RegistrySearchQuery): Promise<ModelRow[]> {
  const comparisons = parseFilter(q.filter, REGISTERED_MODEL_SEARCH)
  const order = parseOrderBy(q.orderBy, REGISTERED_MODEL_SEARCH)
  let query = db.selectFrom('registered_models as m').selectAll('m')
  for (const c of comparisons) {
    const tag = sql`select 1 from registered_model_tags t where t.model_id = m.model_id and t.key = ${c.key}`
    query = query.where(c.type === 'tag' ? tagPredicate(caps, tag, c) : attributePredicate(caps, MODEL_COLUMNS, c))
  }
  if (!order.some((o) => o.key === 'name')) order.push({ type: 'attribute', key: 'name', ascending: true })
  for (const o of order) query = query.orderBy(sortKey(caps, MODEL_COLUMNS[o.key]), o.ascending ? 'asc' : 'desc')
  return query.offset(q.offset).limit(q.limit).execute()
}

/**
 * Live model versions matching an MLflow filter (`name`, `run_id`, `source_path`,
 * `version_number`, `tags.<k>`), one page. Ordered by `orderBy`, then name ascending and version
 * descending, MLflow's default.
 */
export async function searchVersionRows(db: RegistryDb, caps: DialectCaps, q: RegistrySearchQuery): Promise<VersionRow[]> {
  const comparisons = parseFilter(q.filter, MODEL_VERSION_SEARCH)
  const order = parseOrderBy(q.orderBy, MODEL_VERSION_SEARCH)
  let query = db
    .selectFrom('model_versions as v')
    .innerJoin('registered_models as m', 'm.model_id', 'v.model_id')
    .selectAll('v')
    .select('m.name')
    .where('v.current_stage', '!=', DELETED_STAGE)
  for (const c of comparisons) {
    const tag = sql`select 1 from model_version_tags t where t.model_id = v.model_id and t.version = v.version and t.key = ${c.key}`
    query = query.where(c.type === 'tag' ? tagPredicate(caps, tag, c) : attributePredicate(caps, VERSION_COLUMNS, c))
  }
  if (!order.some((o) => o.key === 'name')) order.push({ type: 'attribute', key: 'name', ascending: true })
  if (!order.some((o) => o.key === 'version_number')) order.push({ type: 'attribute', key: 'version_number', ascending: false })
  for (const o of order) query = query.orderBy(sortKey(caps, VERSION_COLUMNS[o.key]), o.ascending ? 'asc' : 'desc')
  return query.offset(q.offset).limit(q.limit).execute()
}

/** `tags.k <op> v` as EXISTS over the tag rows of key k; IS NULL means no such tag. */
function tagPredicate(caps: DialectCaps, rowsWithKey: Expression<unknown>, c: Comparison): Expression<SqlBool> {
  if (c.comparator === 'IS NULL') return sql<SqlBool>`not exists (${rowsWithKey})`
  if (c.comparator === 'IS NOT NULL') return sql<SqlBool>`exists (${rowsWithKey})`
  return sql<SqlBool>`exists (${rowsWithKey} and ${compareText(caps.name, sql.ref('t.value'), c.comparator, c.value)})`
}

function attributePredicate(caps: DialectCaps, columns: Record<string, Column>, c: Comparison): Expression<SqlBool> {
  const { column, numeric } = columns[c.key]
  if (!numeric) return compareText(caps.name, sql.ref(column), c.comparator, c.value)
  if (c.value.kind !== 'number') throw new TypeError(`expected a number for ${c.key}`)
  return compareInteger(sql.ref(column), c.comparator, c.value.value)
}

function sortKey(caps: DialectCaps, { column, numeric }: Column) {
  return numeric ? sql.ref(column) : binaryText(caps.name, sql.ref(column))
}
