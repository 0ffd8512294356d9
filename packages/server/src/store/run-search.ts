import { sql, type Kysely, type SelectQueryBuilder } from 'kysely'
import type { ViewType } from '@railyard/api'
import type { Comparison, OrderClause } from '../search/ast.js'
import { parseFilter } from '../search/filter-parser.js'
import { parseOrderBy } from '../search/order-by-parser.js'
import { RUN_SEARCH } from '../search/policies.js'
import { binaryText } from '../search/sql-predicates.js'
import type { DialectCaps, DialectName } from './dialects.js'
import type { Database } from './schema.js'
import type { RunRow } from './runs-repo.js'
import { RUN_ATTRIBUTES, keyedTable, runPredicate, valueCondition, type RunAttribute } from './run-search-predicates.js'
import { chooseLead, type Lead } from './run-search-lead.js'

export interface RunSearchQuery {
  experimentIds: number[]
  /** MLflow filter string, e.g. `metrics.acc > 0.9 AND params.lr = '0.1'`; empty for all. */
  filter?: string
  /** MLflow order_by clauses, e.g. `metrics.acc DESC`. */
  orderBy: string[]
  viewType: ViewType
  offset: number
  /** Rows to return; callers ask one more than the page size to learn whether a next page exists. */
  limit: number
}

/**
 * Finds runs in SQL: the filter and order_by are parsed (InvalidParameterError when malformed) and
 * compiled to SQL. Order: the order_by clauses (runs lacking a sort key last, NaN metrics just
 * before them), then start_time DESC unless ordered on already, then run id, so offset pages
 * never overlap.
 */
export async function searchRunRows(db: Kysely<Database>, caps: DialectCaps, q: RunSearchQuery): Promise<RunRow[]> {
  const comparisons = parseFilter(q.filter, RUN_SEARCH)
  const order = parseOrderBy(q.orderBy, RUN_SEARCH)
  if (q.experimentIds.length === 0) return []
  const first = order[0]
  const lead = await chooseLead(db, caps.name, q.experimentIds, comparisons, first, q.offset + q.limit)
  const plan: Plan = { db, dialect: caps.name, q, comparisons, order, lead }
  if (!first || first.type === 'attribute') return groupQuery(plan).offset(q.offset).limit(q.limit).execute()
  // Ordering by a metric, param or tag: each presence group is its own query, so the one holding
  // values can be read in the order of the (key, value) index and stop when the page is full.
  const groups: SortGroup[] = first.type === 'metric' ? ['values', 'nan', 'missing'] : ['values', 'missing']
  return pageAcross(
    groups.map((g) => groupQuery(plan, g)),
    q.offset,
    q.limit,
  )
}

interface Plan {
  db: Kysely<Database>
  dialect: DialectName
  q: RunSearchQuery
  comparisons: Comparison[]
  order: OrderClause[]
  /** Where the join starts (see chooseLead). */
  lead: Lead
}

/** Runs holding a value for the first sort key, a NaN (metrics), or nothing. */
type SortGroup = 'values' | 'nan' | 'missing'

// Joins get aliases made at run time (lead, sort_0, sort_1, …), which Kysely's types cannot name.
type RunQuery = SelectQueryBuilder<any, any, RunRow>

/** The query for one presence group of the first sort key, or for the whole search when it has none. */
function groupQuery(p: Plan, group?: SortGroup): RunQuery {
  const first = p.order[0]
  const joinsFirstKey = group === 'values' || group === 'nan'
  const firstKeyLeads = joinsFirstKey && p.lead.kind === 'sort'
  const leadFilter = p.lead.kind === 'filter' ? p.lead.comparison : undefined
  let query: RunQuery
  if (leadFilter) {
    query = leading(p.db, keyedTable(leadFilter.type), 'lead', leadFilter.key).where(valueCondition(p.dialect, leadFilter, 'lead'))
  } else if (firstKeyLeads) {
    query = leading(p.db, keyedTable(first.type), 'sort_0', first.key)
  } else {
    query = p.db.selectFrom('runs') as RunQuery
  }
  if (joinsFirstKey && !firstKeyLeads) {
    // A CROSS JOIN here too: with an inner join SQLite would be free to walk the sort key first.
    query = query
      .crossJoin(`${keyedTable(first.type)} as sort_0`)
      .whereRef('sort_0.run_uuid', '=', 'runs.run_uuid')
      .where('sort_0.key', '=', first.key)
  }
  if (group === 'values' && first.type === 'metric') query = query.where('sort_0.is_nan', '=', 0)
  // NaN is stored as 0, so this stays on the (key, value) index.
  if (group === 'nan') query = query.where('sort_0.value', '=', 0).where('sort_0.is_nan', '=', 1)
  if (group === 'missing') {
    query = query.where(
      sql<boolean>`not exists (select 1 from ${sql.table(keyedTable(first.type))} as m
        where m.run_uuid = runs.run_uuid and m.key = ${first.key})`,
    )
  }

  query = query.selectAll('runs').where('runs.experiment_id', 'in', p.q.experimentIds)
  if (p.q.viewType === 'ACTIVE_ONLY') query = query.where('runs.lifecycle_stage', '=', 'active')
  if (p.q.viewType === 'DELETED_ONLY') query = query.where('runs.lifecycle_stage', '=', 'deleted')
  for (const c of p.comparisons) {
    if (c !== leadFilter) query = query.where((eb) => runPredicate(eb, p.dialect, c))
  }

  if (group === 'values') {
    const value = sql.ref('sort_0.value')
    query = query.orderBy(first.type === 'metric' ? value : binaryText(p.dialect, value), first.ascending ? 'asc' : 'desc')
  }
  p.order.forEach((c, i) => {
    // A keyed first clause is ordered above, by its group.
    if (i > 0 || group === undefined) query = orderBy(query, c, `sort_${i}`, p.dialect)
  })
  if (!p.order.some((c) => c.type === 'attribute' && c.key === 'start_time')) query = query.orderBy('runs.start_time', 'desc')
  return query.orderBy(binaryText(p.dialect, sql.ref('runs.run_uuid')))
}

/**
 * `FROM <table> AS alias CROSS JOIN runs`, matched on run and key: the keyed table's index leads.
 * SQLite keeps the order of a CROSS JOIN as written; PostgreSQL treats it as any inner join.
 */
function leading(db: Kysely<Database>, table: string, alias: string, key: string): RunQuery {
  return (db as Kysely<any>)
    .selectFrom(`${table} as ${alias}`)
    .crossJoin('runs')
    .whereRef('runs.run_uuid', '=', `${alias}.run_uuid`)
    .where(`${alias}.key`, '=', key) as RunQuery
}

/** Adds an order_by clause, joining its key as `alias`; runs lacking the key come last (NaN just before them). */
function orderBy(query: RunQuery, c: OrderClause, alias: string, dialect: DialectName): RunQuery {
  const direction = c.ascending ? 'asc' : 'desc'
  if (c.type === 'attribute') {
    const attribute = RUN_ATTRIBUTES[c.key as RunAttribute]
    const column = sql.ref(attribute.column)
    // Only end_time can be missing (a run still going).
    if (c.key === 'end_time') query = query.orderBy(sql`case when ${column} is null then 1 else 0 end`)
    return query.orderBy(attribute.numeric ? column : binaryText(dialect, column), direction)
  }
  query = query.leftJoin(`${keyedTable(c.type)} as ${alias}`, (join) =>
    join.onRef(`${alias}.run_uuid`, '=', 'runs.run_uuid').on(`${alias}.key`, '=', c.key),
  )
  const present = sql.ref(`${alias}.run_uuid`)
  const value = sql.ref(`${alias}.value`)
  if (c.type === 'metric') {
    query = query.orderBy(sql`case when ${present} is null then 2 when ${sql.ref(`${alias}.is_nan`)} = 1 then 1 else 0 end`)
    return query.orderBy(value, direction)
  }
  query = query.orderBy(sql`case when ${present} is null then 1 else 0 end`)
  return query.orderBy(binaryText(dialect, value), direction)
}

/**
 * One page over queries whose results follow one another: skips `offset` rows across them, then
 * takes up to `limit`. A later query runs only when the page reaches past the earlier ones.
 */
async function pageAcross(parts: RunQuery[], offset: number, limit: number): Promise<RunRow[]> {
  const rows: RunRow[] = []
  let skip = offset
  for (const part of parts) {
    if (rows.length >= limit) break
    const got = await part.offset(skip).limit(limit - rows.length).execute()
    rows.push(...got)
    if (got.length === 0 && skip > 0) {
      // The page starts after this part ends: count it to know how far into the next to skip.
      const counted = await part.clearSelect().clearOrderBy().select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()
      skip -= Number((counted as { n: number }).n)
    } else {
      skip = 0
    }
  }
  return rows
}
