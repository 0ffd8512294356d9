import { sql, type Expression, type SqlBool } from 'kysely'
import type { DialectCaps } from './dialects.js'
import type { RegistryDb } from './registry-schema.js'
import type { ModelRow } from './registry-repo.js'
import type { VersionRow } from './model-versions-repo.js'

/** The right-hand side of a comparison (the shapes of search/ast.ts). */
export type FilterValue =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'list'; values: string[] }
  | { kind: 'none' }

/** One condition of a registry search: an attribute (name, run_id, …) or a tag compared to a value. */
export interface RegistryComparison {
  type: 'attribute' | 'tag'
  key: string
  comparator: string
  value: FilterValue
}

export interface RegistryOrder {
  type: 'attribute'
  /** name, creation_timestamp, last_updated_timestamp, or version_number for versions. */
  key: string
  ascending: boolean
}

export interface RegistrySearchQuery {
  filter: RegistryComparison[]
  orderBy: RegistryOrder[]
  offset: number
  limit: number
}

type Predicate = Expression<SqlBool>

/** Registered models matching every comparison, ordered (then by name), one page. */
export async function searchModelRows(db: RegistryDb, caps: DialectCaps, q: RegistrySearchQuery): Promise<ModelRow[]> {
  const columns: Record<string, string> = {
    name: 'm.name',
    creation_timestamp: 'm.creation_timestamp',
    last_updated_timestamp: 'm.last_updated_timestamp',
  }
  let query = db.selectFrom('registered_models as m').selectAll('m')
  for (const c of q.filter) {
    const predicate =
      c.type === 'tag'
        ? sql<SqlBool>`exists (select 1 from registered_model_tags t where t.model_id = m.model_id and t.key = ${c.key} and ${compare(caps, sql.ref('t.value'), c)})`
        : compare(caps, sql.ref(columns[c.key]), c)
    query = query.where(predicate)
  }
  const order = [...q.orderBy]
  if (!order.some((o) => o.key === 'name')) order.push({ type: 'attribute', key: 'name', ascending: true })
  for (const o of order) query = query.orderBy(sortable(caps, columns[o.key], o.key === 'name'), o.ascending ? 'asc' : 'desc')
  return query.offset(q.offset).limit(q.limit).execute()
}

/** Live model versions matching every comparison, ordered (then by name, version descending), one page. */
export async function searchVersionRows(db: RegistryDb, caps: DialectCaps, q: RegistrySearchQuery): Promise<VersionRow[]> {
  const columns: Record<string, string> = {
    name: 'm.name',
    run_id: 'v.run_id',
    source_path: 'v.source',
    version_number: 'v.version',
    creation_timestamp: 'v.creation_timestamp',
    last_updated_timestamp: 'v.last_updated_timestamp',
  }
  let query = db
    .selectFrom('model_versions as v')
    .innerJoin('registered_models as m', 'm.model_id', 'v.model_id')
    .selectAll('v')
    .select('m.name')
    .where('v.current_stage', '!=', 'Deleted_Internal')
  for (const c of q.filter) {
    const predicate =
      c.type === 'tag'
        ? sql<SqlBool>`exists (select 1 from model_version_tags t where t.model_id = v.model_id and t.version = v.version and t.key = ${c.key} and ${compare(caps, sql.ref('t.value'), c)})`
        : compare(caps, sql.ref(columns[c.key]), c)
    query = query.where(predicate)
  }
  const order = [...q.orderBy]
  if (!order.some((o) => o.key === 'name')) order.push({ type: 'attribute', key: 'name', ascending: true })
  if (!order.some((o) => o.key === 'version_number')) order.push({ type: 'attribute', key: 'version_number', ascending: false })
  for (const o of order) query = query.orderBy(sortable(caps, columns[o.key], o.key === 'name'), o.ascending ? 'asc' : 'desc')
  return query.offset(q.offset).limit(q.limit).execute()
}

function sortable(caps: DialectCaps, column: string, text: boolean) {
  // PostgreSQL's default collation may not order by code point; SQLite's does.
  return text && caps.name === 'postgres' ? sql`${sql.ref(column)} collate "C"` : sql.ref(column)
}

function compare(caps: DialectCaps, column: Expression<unknown>, c: RegistryComparison): Predicate {
  const v = c.value
  if (v.kind === 'list') {
    const items = sql.join(v.values.map((x) => sql.val(x)))
    return c.comparator === 'IN' ? sql<SqlBool>`${column} in (${items})` : sql<SqlBool>`${column} not in (${items})`
  }
  if (v.kind === 'number') {
    const op = c.comparator === '!=' ? '<>' : c.comparator
    return sql<SqlBool>`${column} ${sql.raw(op)} ${v.value}`
  }
  if (v.kind !== 'string') throw new TypeError(`no value for ${c.comparator}`)
  switch (c.comparator) {
    case '=':
      return sql<SqlBool>`${column} = ${v.value}`
    case '!=':
      return sql<SqlBool>`${column} <> ${v.value}`
    case 'LIKE':
      // SQLite's LIKE ignores case; GLOB does not. PostgreSQL's LIKE must not treat \ as an escape.
      return caps.name === 'sqlite' ? sql<SqlBool>`${column} glob ${likeToGlob(v.value)}` : sql<SqlBool>`${column} like ${v.value} escape ''`
    case 'ILIKE':
      return caps.name === 'sqlite' ? sql<SqlBool>`${column} like ${v.value}` : sql<SqlBool>`${column} ilike ${v.value} escape ''`
    default:
      throw new TypeError(`comparator ${c.comparator} does not apply to text`)
  }
}

function likeToGlob(pattern: string): string {
  let glob = ''
  for (const ch of pattern) {
    if (ch === '%') glob += '*'
    else if (ch === '_') glob += '?'
    else if (ch === '*' || ch === '?' || ch === '[') glob += `[${ch}]`
    else glob += ch
  }
  return glob
}
