import fsp from 'node:fs/promises'
import path from 'node:path'
import { InvalidParameterError, type ModelManifest } from '@railyard/api'
import { isPlainObject } from './manifest.js'

export const INPUT_EXAMPLE_FILE = 'input_example.json'

type ExampleInfo = NonNullable<ModelManifest['saved_input_example_info']>

/**
 * Writes a batch of example inputs as `input_example.json` in the encoding MLflow readers know:
 * records as a DataFrame in `records` orient, rows of numbers as a tf-serving `{"inputs": …}`
 * ndarray, anything else as a JSON value. Returns the manifest's `saved_input_example_info`.
 */
export async function writeInputExample(dir: string, inputs: unknown[]): Promise<ExampleInfo> {
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw new InvalidParameterError('The input example must be a non-empty array: a batch, as predict() takes it')
  }
  const rows = inputs.map(toJsonValue)
  let info: ExampleInfo
  let body: unknown
  if (rows.every(isPlainObject)) {
    info = { artifact_path: INPUT_EXAMPLE_FILE, type: 'dataframe', pandas_orient: 'records' }
    body = rows
  } else if (rows.every((r) => Array.isArray(r) && r.every((x) => typeof x === 'number' || Array.isArray(x)))) {
    info = { artifact_path: INPUT_EXAMPLE_FILE, type: 'ndarray', format: 'tf-serving' }
    body = { inputs: rows }
  } else {
    info = { artifact_path: INPUT_EXAMPLE_FILE, type: 'json_object' }
    body = rows
  }
  await fsp.writeFile(path.join(dir, INPUT_EXAMPLE_FILE), `${JSON.stringify(body)}\n`)
  return info
}

/**
 * The model's example inputs as a batch for `predict`, or undefined when it has none. Reads the
 * encodings MLflow writes too: DataFrames in `split` or `records` orient (a single unnamed column
 * becomes plain values), tf-serving ndarrays and JSON values.
 */
export async function readInputExample(dir: string, manifest: ModelManifest): Promise<unknown[] | undefined> {
  const info = manifest.saved_input_example_info
  if (!info?.artifact_path) return undefined
  const file = path.join(dir, ...info.artifact_path.split('/'))
  let parsed: unknown
  try {
    parsed = JSON.parse(await fsp.readFile(file, 'utf8'))
  } catch (err) {
    throw new InvalidParameterError(`Cannot read the model's input example ${info.artifact_path}: ${(err as Error).message}`)
  }
  if (info.type === 'dataframe' && isPlainObject(parsed) && Array.isArray(parsed.data)) return fromSplit(parsed)
  if (info.type === 'ndarray' && isPlainObject(parsed)) {
    if ('inputs' in parsed) return asBatch(parsed.inputs)
    if ('instances' in parsed) return asBatch(parsed.instances)
  }
  return asBatch(parsed)
}

/** `{columns, data, index?}` → records; one column without a real name → its plain values. */
function fromSplit(split: Record<string, unknown>): unknown[] {
  const data = split.data as unknown[][]
  const columns = Array.isArray(split.columns) ? (split.columns as unknown[]) : data[0]?.map((_, i) => i) ?? []
  if (columns.length === 1 && (typeof columns[0] === 'number' || columns[0] === '0')) return data.map((row) => row[0])
  return data.map((row) => Object.fromEntries(columns.map((c, i) => [String(c), row[i]])))
}

function asBatch(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [v]
}

/** Typed arrays become arrays, dates ISO strings, bytes base64 (MLflow's encoding of binary columns). */
function toJsonValue(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString()
  if (Buffer.isBuffer(v)) return v.toString('base64')
  if (typeof v === 'bigint') return Number(v)
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<unknown>, toJsonValue)
  if (Array.isArray(v)) return v.map(toJsonValue)
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJsonValue(x)]))
  return v
}
