import { sql, type Kysely } from 'kysely'
import type { Comparison, OrderClause } from '../search/ast.js'
import { compareNumber, compareText } from '../search/sql-predicates.js'
import type { DialectName } from './dialects.js'
import type { Database } from './schema.js'
import { keyedTable, numberOf } from './run-search-predicates.js'

/**
 * Which rows a run search starts from:
 * - `runs`: the runs of the searched experiments (their index), then sort what matches;
 * - `filter`: the rows one selective filter matches (its (key, value) index), then sort;
 * - `sort`: the first sort key's rows in index order, stopping when the page is full.
 */
export type Lead = { kind: 'runs' } | { kind: 'filter'; comparison: Comparison } | { kind: 'sort' }

// Probes count this many index entries at least before calling a start "large".
const MIN_CAP = 10_000

/**
 * Chooses the lead on SQLite, which keeps no value histograms and so cannot tell `acc > 0.5`
 * from `acc > 0.99`. Starting from a set of m rows costs about m; walking the sort order costs
 * about `wanted × walked / m` (rows walked per row kept, times the rows the page needs), so
 * walking pays when m² > wanted × walked. Every count runs on an index and stops at the point
 * where the answer is known. PostgreSQL's planner has statistics and makes this choice itself,
 * so there the search starts from `runs` and the planner reorders the joins.
 */
export async function chooseLead(
  db: Kysely<Database>,
  dialect: DialectName,
  experimentIds: number[],
  comparisons: Comparison[],
  first: OrderClause | undefined,
  wanted: number,
): Promise<Lead> {
  if (dialect !== 'sqlite' || pinsRunIds(comparisons)) return { kind: 'runs' }
  const keyedSort = first !== undefined && first.type !== 'attribute'
  const filters = comparisons.filter(usesValueIndex)
  if (!keyedSort && filters.length === 0) return { kind: 'runs' }

  const cap = Math.max(MIN_CAP, 50 * wanted)
  const runsOf = sql`select 1 from runs where experiment_id in (${sql.join(experimentIds)})`
  let best: { lead: Lead; rows: number } = { lead: { kind: 'runs' }, rows: await countUpTo(db, runsOf, cap) }
  for (const c of filters) {
    const rows = await countUpTo(db, matchesOf(c), best.rows)
    if (rows < best.rows) best = { lead: { kind: 'filter', comparison: c }, rows }
  }
  // Without a keyed sort, walking in order means walking the runs themselves.
  const walkLead: Lead = keyedSort ? { kind: 'sort' } : { kind: 'runs' }
  if (best.rows >= cap) return walkLead
  const enough = Math.ceil((best.rows * best.rows) / wanted)
  const walkable = keyedSort
    ? sql`select 1 from ${sql.table(keyedTable(first.type))} where key = ${first.key}`
    : runsOf
  const walked = await countUpTo(db, walkable, enough)
  return walked * wanted < best.rows * best.rows ? walkLead : best.lead
}

/** The rows of a (key, value) index a filter matches (is_nan, not in the index, is left out). */
function matchesOf(c: Comparison) {
  const condition =
    c.type === 'metric'
      ? compareNumber(sql.ref('value'), c.comparator, numberOf(c.value))
      : compareText('sqlite', sql.ref('value'), '=', c.value)
  return sql`select 1 from ${sql.table(keyedTable(c.type))} where key = ${c.key} and ${condition}`
}

async function countUpTo(db: Kysely<Database>, rows: ReturnType<typeof sql>, limit: number): Promise<number> {
  if (limit <= 0) return 0
  const result = await sql<{ n: number }>`select count(*) as n from (${rows} limit ${limit})`.execute(db)
  return Number(result.rows[0].n)
}

/** Whether a comparison is a bounded range or an equality on a (key, value) index. */
export function usesValueIndex(c: Comparison): boolean {
  if (c.type === 'metric') return c.comparator !== '!='
  return (c.type === 'param' || c.type === 'tag') && c.comparator === '='
}

/** Whether the filter pins run ids (`run_id = …`, `run_id IN (…)`), so the runs primary key should lead. */
export function pinsRunIds(comparisons: Comparison[]): boolean {
  return comparisons.some((c) => c.type === 'attribute' && c.key === 'run_id' && (c.comparator === '=' || c.comparator === 'IN'))
}
