import { ApiError } from '@railyard/api'

/** The keys of MLflow's scoring protocol; a request body has exactly one of them. */
export const SCORING_FORMATS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const

/** A malformed request: MLflow's scoring server answers these with BAD_REQUEST (400). */
export function badRequest(message: string): ApiError {
  return new ApiError('BAD_REQUEST', message)
}

/**
 * The batch of inputs in an `/invocations` body, MLflow's scoring protocol:
 * - `{"dataframe_split": {"columns": [...], "data": [[...], ...]}}` → one record per row
 *   (a single unnamed column, as MLflow writes for plain values, gives the plain values);
 * - `{"dataframe_records": [{...}, ...]}` → the records;
 * - `{"instances": [...]}` (TF serving, row format) → the items;
 * - `{"inputs": [...]}` → the items, or `{"inputs": {"col": [...], ...}}` (columnar) → records.
 * `params` may sit beside any of them; models here take none, so it is ignored.
 * BAD_REQUEST naming the problem for anything else.
 */
export function inputsOfInvocation(body: unknown): unknown[] {
  if (!isPlainObject(body)) {
    throw badRequest(
      `The body must be a JSON object with exactly one of the fields ${SCORING_FORMATS.join(', ')}; got ${describe(body)}. ` +
        'POST /predict takes a plain JSON list.',
    )
  }
  const present = SCORING_FORMATS.filter((k) => k in body)
  const unknown = Object.keys(body).filter((k) => !SCORING_FORMATS.includes(k as never) && k !== 'params')
  if (present.length !== 1 || unknown.length > 0) {
    const got = Object.keys(body)
    throw badRequest(
      `The body must have exactly one of the fields ${SCORING_FORMATS.join(', ')} (and optionally params); ` +
        `it has ${got.length ? got.map((k) => `'${k}'`).join(', ') : 'no fields'}.`,
    )
  }
  const format = present[0]
  const value = body[format]
  switch (format) {
    case 'dataframe_split':
      return inputsOfSplit(value)
    case 'dataframe_records':
      return fromRecords(value)
    case 'instances':
      return fromList(value, 'instances')
    case 'inputs':
      return isPlainObject(value) ? fromColumns(value) : fromList(value, 'inputs')
  }
}

/** The batch in a `/predict` body: a plain JSON list, one input per item. */
export function inputsOfPredictList(body: unknown): unknown[] {
  if (!Array.isArray(body)) {
    throw badRequest(`POST /predict takes a JSON list of inputs; got ${describe(body)}. /invocations takes MLflow's scoring formats.`)
  }
  return body
}

/** The inputs of a `dataframe_split` value: one record per row (see inputsOfInvocation). */
export function inputsOfSplit(split: unknown): unknown[] {
  if (!isPlainObject(split)) throw badRequest(`dataframe_split must be an object {"columns": [...], "data": [[...], ...]}; got ${describe(split)}`)
  const { columns, data } = split
  if (!Array.isArray(data)) throw badRequest(`dataframe_split.data must be a list of rows; got ${describe(data)}`)
  if (columns !== undefined && !Array.isArray(columns)) throw badRequest(`dataframe_split.columns must be a list of names; got ${describe(columns)}`)
  const names = (columns as unknown[] | undefined) ?? (Array.isArray(data[0]) ? (data[0] as unknown[]).map((_, i) => i) : [])
  for (const name of names) {
    if (typeof name !== 'string' && typeof name !== 'number') throw badRequest(`dataframe_split.columns must hold strings; got ${describe(name)}`)
  }
  if (new Set(names.map(String)).size !== names.length) throw badRequest('dataframe_split.columns has a name twice')
  for (let i = 0; i < data.length; i++) {
    const row = data[i]
    if (!Array.isArray(row)) throw badRequest(`dataframe_split.data[${i}] must be a list of values; got ${describe(row)}`)
    if (row.length !== names.length) {
      throw badRequest(`dataframe_split.data[${i}] has ${row.length} value${row.length === 1 ? '' : 's'} but there ${names.length === 1 ? 'is 1 column' : `are ${names.length} columns`}`)
    }
  }
  const rows = data as unknown[][]
  // One unnamed column: how MLflow writes a list of plain values (see readInputExample).
  if (names.length === 1 && (typeof names[0] === 'number' || names[0] === '0')) return rows.map((row) => row[0])
  const keys = names.map(String)
  // Assigning record['__proto__'] would set the record's prototype, not a column.
  if (keys.includes('__proto__')) return rows.map((row) => Object.fromEntries(keys.map((k, c) => [k, row[c]])))
  return rows.map((row) => {
    const record: Record<string, unknown> = {}
    for (let c = 0; c < keys.length; c++) record[keys[c]] = row[c]
    return record
  })
}

function fromRecords(records: unknown): unknown[] {
  if (!Array.isArray(records)) throw badRequest(`dataframe_records must be a list of records; got ${describe(records)}`)
  for (let i = 0; i < records.length; i++) {
    if (!isPlainObject(records[i])) throw badRequest(`dataframe_records[${i}] must be an object (a record); got ${describe(records[i])}`)
  }
  return records
}

function fromList(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw badRequest(`${field} must be a list with one item per input; got ${describe(value)}`)
  return value
}

/** `{"col": [v0, v1], "other": [w0, w1]}` → `[{col: v0, other: w0}, {col: v1, other: w1}]`. */
function fromColumns(columns: Record<string, unknown>): unknown[] {
  const names = Object.keys(columns)
  if (names.length === 0) throw badRequest('inputs is an empty object: name at least one column, {"column": [values…]}')
  let length: number | undefined
  for (const name of names) {
    const values = columns[name]
    if (!Array.isArray(values)) throw badRequest(`inputs.${name} must be a list of values (columnar inputs); got ${describe(values)}`)
    if (length !== undefined && values.length !== length) {
      throw badRequest(`inputs columns differ in length: '${names[0]}' has ${length} values, '${name}' has ${values.length}`)
    }
    length = values.length
  }
  return Array.from({ length: length! }, (_, i) => Object.fromEntries(names.map((n) => [n, (columns[n] as unknown[])[i]])))
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** A short description of a JSON value for error messages. */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing'
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'an object'
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)})`
  return `a ${typeof v} (${String(v)})`
}
