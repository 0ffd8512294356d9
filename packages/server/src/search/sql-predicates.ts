import { sql, type Expression, type SqlBool } from 'kysely'
import type { DialectName } from '../store/dialects.js'
import type { Comparator, FilterValue } from './ast.js'

/**
 * SQL for one comparison's right-hand side, the same on SQLite and PostgreSQL: compilers for each
 * searched entity pick the column, these helpers pick the operator.
 */

type Predicate = Expression<SqlBool>

/**
 * `column <comparator> value` for text. `=`/`!=` are exact; LIKE is case-sensitive and ILIKE
 * case-insensitive on both dialects, `%` and `_` are the only wildcards and nothing escapes them
 * (MLflow's semantics). IN / NOT IN take a list.
 */
export function compareText(
  dialect: DialectName,
  column: Expression<unknown>,
  comparator: Comparator,
  value: FilterValue,
): Predicate {
  if (value.kind === 'list') {
    const items = sql.join(value.values.map((v) => sql.val(v)))
    if (comparator === 'IN') return sql<SqlBool>`${column} in (${items})`
    if (comparator === 'NOT IN') return sql<SqlBool>`${column} not in (${items})`
  }
  if (value.kind !== 'string') throw new TypeError(`compareText: ${comparator} needs a string, got ${value.kind}`)
  const v = value.value
  switch (comparator) {
    case '=':
      return sql<SqlBool>`${column} = ${v}`
    case '!=':
      return sql<SqlBool>`${column} <> ${v}`
    case 'LIKE':
      // SQLite's LIKE ignores ASCII case; GLOB is case-sensitive and, like LIKE, can use an
      // index for a literal prefix. PostgreSQL's LIKE would treat a backslash as an escape.
      return dialect === 'sqlite'
        ? sql<SqlBool>`${column} glob ${likeToGlob(v)}`
        : sql<SqlBool>`${column} like ${v} escape ''`
    case 'ILIKE':
      // SQLite's LIKE is case-insensitive (for ASCII letters: SQLite folds no others).
      return dialect === 'sqlite' ? sql<SqlBool>`${column} like ${v}` : sql<SqlBool>`${column} ilike ${v} escape ''`
    default:
      throw new TypeError(`compareText: comparator ${comparator} does not apply to text`)
  }
}

/** `column <comparator> value` for a floating-point column. */
export function compareNumber(column: Expression<unknown>, comparator: Comparator, value: number): Predicate {
  return sql<SqlBool>`${column} ${sql.raw(numericOperator(comparator))} ${value}`
}

/**
 * `column <comparator> value` for an integer column (times, version numbers). A fractional or
 * out-of-range bound is rounded to the integer comparison it is equivalent to, so PostgreSQL gets
 * a valid bigint and can use its index (`t > 1.5` is `t >= 2`; `t = 1.5` holds for no row).
 */
export function compareInteger(column: Expression<unknown>, comparator: Comparator, value: number): Predicate {
  const never = sql<SqlBool>`1 = 0`
  const ifPresent = sql<SqlBool>`${column} is not null`
  if (Number.isSafeInteger(value)) return compareNumber(column, comparator, value)
  if (comparator === '=') return never
  if (comparator === '!=') return ifPresent
  // Bounds in ±2^53 keep the comparison exact in a double and valid as a bigint.
  const bound = comparator === '>' || comparator === '<=' ? Math.floor(value) : Math.ceil(value)
  if (bound > Number.MAX_SAFE_INTEGER) return comparator === '<' || comparator === '<=' ? ifPresent : never
  if (bound < Number.MIN_SAFE_INTEGER) return comparator === '>' || comparator === '>=' ? ifPresent : never
  return compareNumber(column, comparator, bound)
}

function numericOperator(comparator: Comparator): string {
  switch (comparator) {
    case '=':
    case '<':
    case '<=':
    case '>':
    case '>=':
      return comparator
    case '!=':
      return '<>'
    default:
      throw new TypeError(`comparator ${comparator} does not apply to numbers`)
  }
}

/** A LIKE pattern as the equivalent GLOB pattern: `%` → `*`, `_` → `?`, GLOB's own wildcards made literal. */
export function likeToGlob(pattern: string): string {
  let glob = ''
  for (const ch of pattern) {
    if (ch === '%') glob += '*'
    else if (ch === '_') glob += '?'
    else if (ch === '*' || ch === '?' || ch === '[') glob += `[${ch}]`
    else glob += ch
  }
  return glob
}

/** A text sort key that orders by code point on both dialects (PostgreSQL's default collation may not). */
export function binaryText(dialect: DialectName, column: Expression<unknown>): Expression<unknown> {
  return dialect === 'postgres' ? sql`${column} collate "C"` : column
}
