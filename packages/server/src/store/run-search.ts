import { sql, type Expression, type ExpressionBuilder, type Kysely, type SelectQueryBuilder, type SqlBool } from 'kysely'
import type { ViewType } from '@railyard/api'
import type { Comparison, FilterValue, OrderClause } from '../search/ast.js'
import { parseFilter } from '../search/filter-parser.js'
import { parseOrderBy } from '../search/order-by-parser.js'
import { RUN_SEARCH } from '../search/policies.js'
import { binaryText, compareInteger, compareNumber, compareText } from '../search/sql-predicates.js'
import type { DialectCaps, DialectName } from './dialects.js'
import type { Database } from './schema.js'
import type { RunRow } from './runs-repo.js'

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

/** Run attributes by filter key, with their column; the rest of RUN_SEARCH's keys are aliases of these. */
const ATTRIBUTE_COLUMNS = {
  run_id: { column: 'runs.run_uuid', numeric: false },
  run_name: { column: 'runs.name', numeric: false },
  user_id: { column: 'runs.user_id', numeric: false },
  status: { column: 'runs.status', numeric: false },
  artifact_uri: { column: 'runs.artifact_uri', numeric: false },
  start_time: { column: 'runs.start_time', numeric: true },
  end_time: { column: 'runs.end_time', numeric: true },
} as const

/** The input tag MLflow clients use for a dataset's role (`training`, `eval`, …). */
const DATASET_CONTEXT_TAG = 'mlflow.data.context'

/**
 * Finds runs in SQL: the filter and order_by are parsed (InvalidParameterError when malformed) and
 * compiled to one query. Order: the order_by clauses (runs lacking a sort key last), then
 * start_time DESC unless ordered on already, then run id, so offset pages never overlap.
 */
export async function searchRunRows(db: Kysely<Database>, caps: DialectCaps, q: RunSearchQuery): Promise<RunRow[]> {
  const comparisons = parseFilter(q.filter, RUN_SEARCH)
  const order = parseOrderBy(q.orderBy, RUN_SEARCH)
  if (q.experimentIds.length === 0) return []
  let query = db.selectFrom('runs').selectAll('runs').where('runs.experiment_id', 'in', q.experimentIds)
  if (q.viewType === 'ACTIVE_ONLY') query = query.where('runs.lifecycle_stage', '=', 'active')
  if (q.viewType === 'DELETED_ONLY') query = query.where('runs.lifecycle_stage', '=', 'deleted')
  if (comparisons.length > 0) {
    query = query.where((eb) => eb.and(comparisons.map((c) => runPredicate(eb, caps.name, c))))
  }
  return orderRuns(query, order, caps.name).offset(q.offset).limit(q.limit).execute()
}

type RunsEb = ExpressionBuilder<Database, 'runs'>

/**
 * One comparison as a predicate on `runs`. Metrics, params, tags and datasets become
 * `run_uuid IN (subquery)`: each subquery can use its (key, value) index, and the planner may
 * drive the search from the most selective one.
 */
function runPredicate(eb: RunsEb, dialect: DialectName, c: Comparison): Expression<SqlBool> {
  switch (c.type) {
    case 'metric':
      return eb(
        'runs.run_uuid',
        'in',
        eb
          .selectFrom('latest_metrics')
          .select('latest_metrics.run_uuid')
          .where('latest_metrics.key', '=', c.key)
          // NaN is stored as 0; it equals, exceeds and trails nothing.
          .where('latest_metrics.is_nan', '=', 0)
          .where((m) => compareNumber(m.ref('latest_metrics.value'), c.comparator, numberOf(c.value))),
      )
    case 'param':
    case 'tag': {
      const table = c.type === 'param' ? 'params' : 'tags'
      const withKey = eb.selectFrom(table).select('run_uuid').where('key', '=', c.key)
      if (c.comparator === 'IS NULL') return eb('runs.run_uuid', 'not in', withKey)
      if (c.comparator === 'IS NOT NULL') return eb('runs.run_uuid', 'in', withKey)
      return eb('runs.run_uuid', 'in', withKey.where((kv) => compareText(dialect, kv.ref('value'), c.comparator, c.value)))
    }
    case 'attribute': {
      const attribute = ATTRIBUTE_COLUMNS[c.key as keyof typeof ATTRIBUTE_COLUMNS]
      const column = eb.ref(attribute.column)
      return attribute.numeric
        ? compareInteger(column, c.comparator, numberOf(c.value))
        : compareText(dialect, column, c.comparator, c.value)
    }
    case 'dataset':
      return eb('runs.run_uuid', 'in', datasetRuns(dialect, c))
  }
}

/** Runs with an input whose dataset name, digest or context tag matches. */
function datasetRuns(dialect: DialectName, c: Comparison): Expression<string> {
  if (c.key === 'name' || c.key === 'digest') {
    const column = sql.ref(`run_inputs.${c.key}`)
    return sql<string>`(select run_inputs.run_uuid from run_inputs where ${compareText(dialect, column, c.comparator, c.value)})`
  }
  // Input tags are a JSON array of {key, value} in run_inputs.tags.
  if (dialect === 'sqlite') {
    const value = sql`json_extract(input_tag.value, '$.value')`
    return sql<string>`(select run_inputs.run_uuid from run_inputs, json_each(run_inputs.tags) as input_tag
      where json_extract(input_tag.value, '$.key') = ${DATASET_CONTEXT_TAG}
        and ${compareText(dialect, value, c.comparator, c.value)})`
  }
  const value = sql`input_tag.item ->> 'value'`
  return sql<string>`(select run_inputs.run_uuid from run_inputs
      cross join lateral jsonb_array_elements(run_inputs.tags::jsonb) as input_tag(item)
      where input_tag.item ->> 'key' = ${DATASET_CONTEXT_TAG}
        and ${compareText(dialect, value, c.comparator, c.value)})`
}

// Sort joins get aliases made at run time (sort_0, sort_1, …), which Kysely's types cannot name.
type LooseRunQuery = SelectQueryBuilder<any, any, RunRow>

function orderRuns(query: SelectQueryBuilder<Database, 'runs', RunRow>, clauses: OrderClause[], dialect: DialectName) {
  let q = query as LooseRunQuery
  clauses.forEach((c, i) => {
    const direction = c.ascending ? 'asc' : 'desc'
    if (c.type === 'attribute') {
      const attribute = ATTRIBUTE_COLUMNS[c.key as keyof typeof ATTRIBUTE_COLUMNS]
      const column = sql.ref(attribute.column)
      // Only end_time can be missing (a run still going); missing values come last either way.
      if (c.key === 'end_time') q = q.orderBy(sql`case when ${column} is null then 1 else 0 end`)
      q = q.orderBy(attribute.numeric ? column : binaryText(dialect, column), direction)
      return
    }
    const alias = `sort_${i}`
    const table = c.type === 'metric' ? 'latest_metrics' : c.type === 'param' ? 'params' : 'tags'
    q = q.leftJoin(`${table} as ${alias}`, (join) =>
      join.onRef(`${alias}.run_uuid`, '=', 'runs.run_uuid').on(`${alias}.key`, '=', c.key),
    )
    const present = sql.ref(`${alias}.run_uuid`)
    const value = sql.ref(`${alias}.value`)
    if (c.type === 'metric') {
      // As in MLflow: values first, then NaN, then runs without the metric, in either direction.
      q = q.orderBy(sql`case when ${present} is null then 2 when ${sql.ref(`${alias}.is_nan`)} = 1 then 1 else 0 end`)
      q = q.orderBy(value, direction)
    } else {
      q = q.orderBy(sql`case when ${present} is null then 1 else 0 end`)
      q = q.orderBy(binaryText(dialect, value), direction)
    }
  })
  if (!clauses.some((c) => c.type === 'attribute' && c.key === 'start_time')) q = q.orderBy('runs.start_time', 'desc')
  return q.orderBy(binaryText(dialect, sql.ref('runs.run_uuid'))) as SelectQueryBuilder<Database, 'runs', RunRow>
}

function numberOf(value: FilterValue): number {
  if (value.kind !== 'number') throw new TypeError(`expected a number, got ${value.kind}`)
  return value.value
}
