import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely'
import type { ViewType } from '@railyard/api'
import type { Comparison } from '../search/ast.js'
import { parseFilter } from '../search/filter-parser.js'
import { parseOrderBy } from '../search/order-by-parser.js'
import { EXPERIMENT_SEARCH } from '../search/policies.js'
import { binaryText, compareInteger, compareText } from '../search/sql-predicates.js'
import type { DialectCaps, DialectName } from './dialects.js'
import type { Database } from './schema.js'
import type { ExperimentRow } from './experiments-repo.js'

export interface ExperimentSearchQuery {
  /** MLflow filter string, e.g. `name LIKE 'tweets%' AND tags.team = 'nlp'`. */
  filter?: string
  orderBy: string[]
  viewType: ViewType
  offset: number
  limit: number
}

const COLUMNS = {
  name: { column: 'experiments.name', numeric: false },
  experiment_id: { column: 'experiments.experiment_id', numeric: true },
  creation_time: { column: 'experiments.creation_time', numeric: true },
  last_update_time: { column: 'experiments.last_update_time', numeric: true },
} as const

/**
 * Finds experiments in SQL: the filter and order_by are parsed (InvalidParameterError when
 * malformed) and compiled to one query. Default order creation_time DESC; experiment_id ASC
 * always breaks ties, so offset pages never overlap.
 */
export async function searchExperimentRows(
  db: Kysely<Database>,
  caps: DialectCaps,
  q: ExperimentSearchQuery,
): Promise<ExperimentRow[]> {
  const comparisons = parseFilter(q.filter, EXPERIMENT_SEARCH)
  const order = parseOrderBy(q.orderBy, EXPERIMENT_SEARCH)
  let query = db.selectFrom('experiments').selectAll('experiments')
  if (q.viewType === 'ACTIVE_ONLY') query = query.where('experiments.lifecycle_stage', '=', 'active')
  if (q.viewType === 'DELETED_ONLY') query = query.where('experiments.lifecycle_stage', '=', 'deleted')
  if (comparisons.length > 0) {
    query = query.where((eb) => eb.and(comparisons.map((c) => experimentPredicate(eb, caps.name, c))))
  }
  if (order.length === 0) order.push({ type: 'attribute', key: 'creation_time', ascending: false })
  for (const o of order) {
    const { column, numeric } = COLUMNS[o.key as keyof typeof COLUMNS]
    query = query.orderBy(numeric ? sql.ref(column) : binaryText(caps.name, sql.ref(column)), o.ascending ? 'asc' : 'desc')
  }
  if (!order.some((o) => o.key === 'experiment_id')) query = query.orderBy('experiments.experiment_id', 'asc')
  return query.offset(q.offset).limit(q.limit).execute()
}

function experimentPredicate(
  eb: ExpressionBuilder<Database, 'experiments'>,
  dialect: DialectName,
  c: Comparison,
): Expression<SqlBool> {
  if (c.type === 'tag') {
    const withKey = eb.selectFrom('experiment_tags').select('experiment_tags.experiment_id').where('experiment_tags.key', '=', c.key)
    if (c.comparator === 'IS NULL') return eb('experiments.experiment_id', 'not in', withKey)
    if (c.comparator === 'IS NOT NULL') return eb('experiments.experiment_id', 'in', withKey)
    return eb(
      'experiments.experiment_id',
      'in',
      withKey.where((t) => compareText(dialect, t.ref('experiment_tags.value'), c.comparator, c.value)),
    )
  }
  const { column, numeric } = COLUMNS[c.key as keyof typeof COLUMNS]
  if (!numeric) return compareText(dialect, eb.ref(column), c.comparator, c.value)
  if (c.value.kind !== 'number') throw new TypeError(`expected a number for ${c.key}`)
  return compareInteger(eb.ref(column), c.comparator, c.value.value)
}
