import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely'
import type { Comparison, EntityType, FilterValue } from '../search/ast.js'
import { compareInteger, compareNumber, compareText } from '../search/sql-predicates.js'
import type { DialectName } from './dialects.js'
import type { Database } from './schema.js'

/** Run attributes by (canonical) filter key, with their column on `runs`. */
export const RUN_ATTRIBUTES = {
  run_id: { column: 'runs.run_uuid', numeric: false },
  run_name: { column: 'runs.name', numeric: false },
  user_id: { column: 'runs.user_id', numeric: false },
  status: { column: 'runs.status', numeric: false },
  artifact_uri: { column: 'runs.artifact_uri', numeric: false },
  start_time: { column: 'runs.start_time', numeric: true },
  end_time: { column: 'runs.end_time', numeric: true },
} as const

export type RunAttribute = keyof typeof RUN_ATTRIBUTES

/** The key/value table behind metrics, params and tags (one row per run and key in each). */
export function keyedTable(type: EntityType): 'latest_metrics' | 'params' | 'tags' {
  if (type === 'metric') return 'latest_metrics'
  if (type === 'param') return 'params'
  if (type === 'tag') return 'tags'
  throw new TypeError(`${type} has no key/value table`)
}

/** The input tag MLflow clients use for a dataset's role (`training`, `eval`, …). */
const DATASET_CONTEXT_TAG = 'mlflow.data.context'

/**
 * What a metric, param or tag row must satisfy, with `alias` naming the row (`f`, `lead`).
 * NaN metrics are stored as 0 with is_nan 1: as in IEEE arithmetic (and MLflow), they equal,
 * exceed and trail nothing, and differ from everything.
 */
export function valueCondition(dialect: DialectName, c: Comparison, alias: string): Expression<SqlBool> {
  const value = sql.ref(`${alias}.value`)
  if (c.type === 'metric') {
    const isNan = sql.ref(`${alias}.is_nan`)
    const compared = compareNumber(value, c.comparator, numberOf(c.value))
    if (c.comparator === '!=') return sql<SqlBool>`(${isNan} = 1 or ${compared})`
    return sql<SqlBool>`${isNan} = 0 and ${compared}`
  }
  return compareText(dialect, value, c.comparator, c.value)
}

/**
 * One comparison as a predicate on `runs`. Metrics, params, tags and datasets are correlated
 * EXISTS lookups on (run, key) primary keys: cheap per run, and they let a search stop as soon
 * as a page is full instead of first collecting every run that matches.
 */
export function runPredicate(eb: ExpressionBuilder<Database, 'runs'>, dialect: DialectName, c: Comparison): Expression<SqlBool> {
  switch (c.type) {
    case 'metric':
    case 'param':
    case 'tag': {
      const withKey = sql`select 1 from ${sql.table(keyedTable(c.type))} as f where f.run_uuid = runs.run_uuid and f.key = ${c.key}`
      if (c.comparator === 'IS NULL') return sql<SqlBool>`not exists (${withKey})`
      if (c.comparator === 'IS NOT NULL') return sql<SqlBool>`exists (${withKey})`
      return sql<SqlBool>`exists (${withKey} and ${valueCondition(dialect, c, 'f')})`
    }
    case 'attribute': {
      const attribute = RUN_ATTRIBUTES[c.key as RunAttribute]
      const column = eb.ref(attribute.column)
      return attribute.numeric
        ? compareInteger(column, c.comparator, numberOf(c.value))
        : compareText(dialect, column, c.comparator, c.value)
    }
    case 'dataset':
      return datasetPredicate(dialect, c)
  }
}

/** Runs with an input whose dataset name, digest or context tag matches. */
function datasetPredicate(dialect: DialectName, c: Comparison): Expression<SqlBool> {
  if (c.key === 'name' || c.key === 'digest') {
    const column = sql.ref(`ri.${c.key}`)
    return sql<SqlBool>`exists (select 1 from run_inputs as ri
      where ri.run_uuid = runs.run_uuid and ${compareText(dialect, column, c.comparator, c.value)})`
  }
  // Input tags are a JSON array of {key, value} in run_inputs.tags.
  if (dialect === 'sqlite') {
    const value = sql`json_extract(input_tag.value, '$.value')`
    return sql<SqlBool>`exists (select 1 from run_inputs as ri, json_each(ri.tags) as input_tag
      where ri.run_uuid = runs.run_uuid
        and json_extract(input_tag.value, '$.key') = ${DATASET_CONTEXT_TAG}
        and ${compareText(dialect, value, c.comparator, c.value)})`
  }
  const value = sql`input_tag.item ->> 'value'`
  return sql<SqlBool>`exists (select 1 from run_inputs as ri
      cross join lateral jsonb_array_elements(ri.tags::jsonb) as input_tag(item)
      where ri.run_uuid = runs.run_uuid
        and input_tag.item ->> 'key' = ${DATASET_CONTEXT_TAG}
        and ${compareText(dialect, value, c.comparator, c.value)})`
}

export function numberOf(value: FilterValue): number {
  if (value.kind !== 'number') throw new TypeError(`expected a number, got ${value.kind}`)
  return value.value
}
