/**
 * What MLflow search strings parse into. A filter is a list of comparisons that must all hold
 * (MLflow has AND only); an order_by list is a list of sort keys, most significant first.
 */

/** The kinds of thing an identifier can name; `attribute` is a column of the searched entity. */
export type EntityType = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset'

export const COMPARATORS = [
  '=',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'LIKE',
  'ILIKE',
  'IN',
  'NOT IN',
  'IS NULL',
  'IS NOT NULL',
] as const

export type Comparator = (typeof COMPARATORS)[number]

/**
 * The right-hand side of a comparison: a quoted string, a number, a list of strings (IN, NOT IN),
 * or nothing (IS NULL, IS NOT NULL).
 */
export type FilterValue =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'list'; values: string[] }
  | { kind: 'none' }

export interface Identifier {
  type: EntityType
  /** The key as the compiler should use it: unquoted, aliases replaced (`created` → `start_time`). */
  key: string
}

export interface Comparison extends Identifier {
  comparator: Comparator
  value: FilterValue
}

export interface OrderClause extends Identifier {
  ascending: boolean
}
