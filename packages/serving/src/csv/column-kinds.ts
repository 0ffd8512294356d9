import { parseSignature, type ColSpec } from '@railyard/sdk'
import type { ModelManifest } from '@railyard/api'

/** What the text of a CSV column becomes: numbers, booleans, or the text as it is. */
export type ColumnKind = 'number' | 'boolean' | 'text'

/** pandas read_csv's default `na_values`: fields that mean "missing", as an empty field does. */
export const NA_VALUES: ReadonlySet<string> = new Set([
  '', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN',
  '<NA>', 'N/A', 'NA', 'NULL', 'NaN', 'None', 'n/a', 'nan', 'null',
])

// pandas' C parser reads these as numbers (integers included) and booleans; it allows spaces around a number.
const DECIMAL = /^[ \t]*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[ \t]*$/
const INFINITY = /^[ \t]*([+-]?)inf(?:inity)?[ \t]*$/i
const TRUE = new Set(['True', 'TRUE', 'true'])
const FALSE = new Set(['False', 'FALSE', 'false'])

/**
 * The kind pandas infers for a column from its fields (nulls are missing fields and do not count):
 * numbers when every field is an integer, a decimal or an infinity, booleans when every field is True or False,
 * else text. A column with no fields at all is numbers (pandas makes it all NaN).
 */
export function inferKind(fields: ReadonlyArray<string | null>): ColumnKind {
  let numbers = true
  let booleans = true
  for (const field of fields) {
    if (field === null) continue
    if (numbers && !DECIMAL.test(field) && !INFINITY.test(field)) numbers = false
    if (booleans && !TRUE.has(field) && !FALSE.has(field)) booleans = false
    if (!numbers && !booleans) return 'text'
  }
  return numbers ? 'number' : 'boolean'
}

/** A field as `kind`; a field that does not read as one stays text (the signature check names it). */
export function fieldValue(field: string | null, kind: ColumnKind): unknown {
  if (field === null || kind === 'text') return field
  if (kind === 'boolean') return TRUE.has(field) ? true : FALSE.has(field) ? false : field
  if (DECIMAL.test(field)) return Number(field)
  const infinity = INFINITY.exec(field)
  if (infinity) return infinity[1] === '-' ? -Infinity : Infinity
  return field
}

/**
 * The column kinds a model's signature declares, by column name: MLflow parses CSV with the
 * schema's types, so a string column of digits (zip codes, ids) stays text. Empty when the model
 * has no column signature, or one that cannot be read (a served model never has one: inputCheckOf
 * refuses it when the model loads).
 */
export function declaredKindsOf(manifest: ModelManifest): ReadonlyMap<string, ColumnKind> {
  const kinds = new Map<string, ColumnKind>()
  let schema
  try {
    schema = parseSignature(manifest)?.inputs
  } catch {
    return kinds
  }
  for (const spec of schema ?? []) {
    if (spec.type === 'tensor') continue
    const col = spec as ColSpec
    if (col.name !== undefined) kinds.set(col.name, kindOfType(col.type))
  }
  return kinds
}

function kindOfType(type: string): ColumnKind {
  switch (type) {
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
      return 'number'
    case 'boolean':
      return 'boolean'
    default:
      // string, binary (base64), datetime (ISO text); arrays and objects cannot be written in CSV.
      return 'text'
  }
}
