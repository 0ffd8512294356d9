import { InvalidParameterError, type ModelManifest } from '@railyard/api'
import { isPlainObject } from './manifest.js'

/** MLflow's scalar column types. */
export type ScalarType = 'boolean' | 'integer' | 'long' | 'float' | 'double' | 'string' | 'binary' | 'datetime'

/** A column's type: a scalar, an array of one type, or an object with typed properties (MLflow ≥ 2.10). */
export type DataType =
  | ScalarType
  | { type: 'array'; items: DataType }
  | { type: 'object'; properties: Record<string, { required?: boolean } & ({ type: ScalarType } | Exclude<DataType, ScalarType>)> }

/** One column of a column-based schema: `{"type": "string", "name": "text", "required": true}`. */
export type ColSpec = { name?: string; required?: boolean } & ({ type: ScalarType } | Exclude<DataType, ScalarType>)

/** One tensor of a tensor-based schema; -1 in `shape` is a free dimension (the batch). */
export interface TensorSpec {
  type: 'tensor'
  'tensor-spec': { dtype: string; shape: number[] }
  name?: string
}

/** A schema is all columns or all tensors. */
export type Schema = ColSpec[] | TensorSpec[]

export interface ParamSpec {
  name: string
  type: ScalarType
  default: unknown
  shape?: number[] | null
}

/** A model's signature, parsed (MLmodel stores each part as a JSON string). */
export interface ModelSignature {
  inputs: Schema
  outputs?: Schema
  params?: ParamSpec[]
}

const TYPED_ARRAY_DTYPES: Array<[new (...args: never[]) => ArrayBufferView, string]> = [
  [Float32Array, 'float32'],
  [Float64Array, 'float64'],
  [Int8Array, 'int8'],
  [Uint8Array, 'uint8'],
  [Int16Array, 'int16'],
  [Uint16Array, 'uint16'],
  [Int32Array, 'int32'],
  [Uint32Array, 'uint32'],
  [BigInt64Array, 'int64'],
  [BigUint64Array, 'uint64'],
]

/**
 * Infers a signature from example inputs (a batch, as `predict` takes it) and, optionally, the
 * outputs for them. Records become named columns (a key missing or null in some row is not
 * required); plain values one unnamed column; rows of numbers (arrays or typed arrays, all of one
 * shape) a tensor with a free batch dimension. JavaScript numbers are doubles, so plain numbers
 * infer `double` / `float64`; pass a typed array or a signature to say otherwise.
 * InvalidParameterError when the examples mix kinds or hold values no schema can describe.
 */
export function inferSignature(inputs: unknown[], outputs?: unknown[]): ModelSignature {
  const sig: ModelSignature = { inputs: inferSchema(inputs, 'input') }
  if (outputs !== undefined) sig.outputs = inferSchema(outputs, 'output')
  return sig
}

export function inferSchema(examples: unknown[], what = 'input'): Schema {
  if (!Array.isArray(examples) || examples.length === 0) {
    throw new InvalidParameterError(`Cannot infer a signature: the ${what} example must be a non-empty array (a batch)`)
  }
  if (examples.every(isPlainObject)) return recordSchema(examples, what)
  if (examples.every(isNumericRow)) return [tensorSpec(examples, what)]
  const present = examples.filter((v) => v !== null && v !== undefined)
  if (present.length === 0) throw new InvalidParameterError(`Cannot infer a signature: every ${what} example is null`)
  const type = mergeAll(present.map((v) => valueType(v, what)), what)
  return [{ ...typeSpec(type), required: present.length === examples.length }]
}

function recordSchema(rows: Record<string, unknown>[], what: string): ColSpec[] {
  const names: string[] = []
  for (const row of rows) for (const key of Object.keys(row)) if (!names.includes(key)) names.push(key)
  return names.map((name) => {
    const present = rows.map((r) => r[name]).filter((v) => v !== null && v !== undefined)
    if (present.length === 0) throw new InvalidParameterError(`Cannot infer the type of ${what} column '${name}': it is null in every example`)
    const type = mergeAll(present.map((v) => valueType(v, `${what} column '${name}'`)), `${what} column '${name}'`)
    return { ...typeSpec(type), name, required: present.length === rows.length }
  })
}

function tensorSpec(rows: unknown[], what: string): TensorSpec {
  const shapes = rows.map((r) => shapeOf(r, what))
  const first = JSON.stringify(shapes[0])
  if (shapes.some((s) => JSON.stringify(s) !== first)) {
    throw new InvalidParameterError(`Cannot infer a tensor signature: the ${what} rows have different shapes`)
  }
  const dtypes = new Set(rows.map(dtypeOf))
  if (dtypes.size > 1) throw new InvalidParameterError(`Cannot infer a tensor signature: the ${what} rows mix ${[...dtypes].join(' and ')}`)
  return { type: 'tensor', 'tensor-spec': { dtype: [...dtypes][0], shape: [-1, ...shapes[0]] } }
}

function isNumericRow(v: unknown): boolean {
  if (ArrayBuffer.isView(v)) return !(v instanceof DataView) && !(v instanceof Uint8Array && v instanceof Buffer)
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' || isNumericRow(x))
}

function shapeOf(v: unknown, what: string): number[] {
  if (ArrayBuffer.isView(v)) return [(v as unknown as ArrayLike<unknown>).length]
  if (!Array.isArray(v)) return []
  const inner = v.map((x) => JSON.stringify(shapeOf(x, what)))
  if (new Set(inner).size > 1) throw new InvalidParameterError(`Cannot infer a tensor signature: a ${what} row is ragged`)
  return [v.length, ...shapeOf(v[0], what)]
}

function dtypeOf(v: unknown): string {
  for (const [ctor, dtype] of TYPED_ARRAY_DTYPES) if (v instanceof ctor) return dtype
  return 'float64'
}

function valueType(v: unknown, what: string): DataType {
  if (typeof v === 'string') return 'string'
  if (typeof v === 'boolean') return 'boolean'
  if (typeof v === 'number') return 'double'
  if (typeof v === 'bigint') return 'long'
  if (v instanceof Date) return 'datetime'
  if (v instanceof Uint8Array) return 'binary'
  if (Array.isArray(v)) {
    const items = v.filter((x) => x !== null && x !== undefined)
    if (items.length === 0) return EMPTY_ARRAY
    return { type: 'array', items: mergeAll(items.map((x) => valueType(x, what)), what) }
  }
  if (isPlainObject(v)) {
    const properties: Record<string, ColSpec> = {}
    for (const [key, value] of Object.entries(v)) {
      if (value === null || value === undefined) continue
      properties[key] = { ...typeSpec(valueType(value, what)), required: true }
    }
    return { type: 'object', properties } as DataType
  }
  throw new InvalidParameterError(`Cannot infer a signature for ${what} value ${String(v)} (${typeof v}); pass a signature`)
}

// An empty array says nothing about its items: it takes the item type of the other examples.
const EMPTY_ARRAY: DataType = { type: 'array', items: 'string' }

function mergeAll(types: DataType[], what: string): DataType {
  const merged = types.reduce((a, b) => merge(a, b, what))
  if (merged === EMPTY_ARRAY) throw new InvalidParameterError(`Cannot infer the item type of the ${what} arrays: every one is empty`)
  return merged
}

function merge(a: DataType, b: DataType, what: string): DataType {
  if (a === EMPTY_ARRAY && typeof b === 'object' && b.type === 'array') return b
  if (b === EMPTY_ARRAY && typeof a === 'object' && a.type === 'array') return a
  const ja = JSON.stringify(a)
  if (ja === JSON.stringify(b)) return a
  const numeric = ['long', 'double']
  if (typeof a === 'string' && typeof b === 'string' && numeric.includes(a) && numeric.includes(b)) return 'double'
  throw new InvalidParameterError(`Cannot infer a signature: the ${what} examples mix ${describe(a)} and ${describe(b)}`)
}

function describe(t: DataType): string {
  return typeof t === 'string' ? t : t.type
}

function typeSpec(t: DataType): ColSpec {
  return (typeof t === 'string' ? { type: t } : { ...t }) as ColSpec
}

/**
 * The signature as MLmodel stores it: each part a JSON string, spaced as Python's json.dumps
 * writes it, so a manifest Railyard writes looks like one MLflow wrote.
 */
export function formatSignature(sig: ModelSignature): NonNullable<ModelManifest['signature']> {
  const out: NonNullable<ModelManifest['signature']> = { inputs: pythonJson(sig.inputs) }
  if (sig.outputs) out.outputs = pythonJson(sig.outputs)
  out.params = sig.params ? pythonJson(sig.params) : null
  return out
}

/**
 * The manifest's signature, parsed; undefined when it has none. InvalidParameterError, naming the
 * field, when a part is not JSON or not a list of specs as MLflow writes them: a spec without a
 * string `type`, a non-string `name`, a non-boolean `required`, an array type without `items`, an
 * object type whose `properties` is not a mapping of specs, a tensor without a `tensor-spec` of a
 * string `dtype` and a `shape` list of whole numbers (-1 for a free dimension), or a schema that
 * mixes tensors and columns. Type names it does not know (MLflow's newer ones) are let through.
 */
export function parseSignature(manifest: ModelManifest): ModelSignature | undefined {
  const raw = manifest.signature
  if (!raw || !raw.inputs) return undefined
  const sig: ModelSignature = { inputs: parseSchema(raw.inputs, 'inputs') }
  if (raw.outputs) sig.outputs = parseSchema(raw.outputs, 'outputs')
  if (raw.params) sig.params = parseParams(raw.params)
  return sig
}

function parsePart(text: string, part: string): Record<string, unknown>[] {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw invalid(`signature.${part} is not JSON: ${String(text).slice(0, 200)}`)
  }
  if (!Array.isArray(value)) throw invalid(`signature.${part} must be a JSON list of specs with a 'type'`)
  value.forEach((spec, i) => {
    if (!isPlainObject(spec) || typeof spec.type !== 'string') throw invalid(`signature.${part}[${i}] must be a spec with a 'type'; got ${JSON.stringify(spec)}`)
  })
  return value as Record<string, unknown>[]
}

function parseSchema(text: string, part: string): Schema {
  const specs = parsePart(text, part)
  specs.forEach((spec, i) => {
    const where = `signature.${part}[${i}]${typeof spec.name === 'string' ? ` ('${spec.name}')` : ''}`
    if (spec.name !== undefined && spec.name !== null && typeof spec.name !== 'string') throw invalid(`${where}: 'name' must be a string`)
    if (spec.type === 'tensor') checkTensor(spec, where)
    else checkColumn(spec, where)
  })
  const tensors = specs.filter((s) => s.type === 'tensor').length
  if (tensors > 0 && tensors < specs.length) throw invalid(`signature.${part} mixes tensors and columns; a schema is all one or the other`)
  return specs as unknown as Schema
}

function checkTensor(spec: Record<string, unknown>, where: string): void {
  const ts = spec['tensor-spec']
  if (!isPlainObject(ts)) throw invalid(`${where}: a tensor needs a 'tensor-spec' mapping with 'dtype' and 'shape'`)
  if (typeof ts.dtype !== 'string') throw invalid(`${where}: 'tensor-spec' has no 'dtype'`)
  if (!Array.isArray(ts.shape)) throw invalid(`${where}: 'tensor-spec' has no 'shape' list`)
  if (!ts.shape.every((d) => Number.isInteger(d) && (d as number) >= -1)) {
    throw invalid(`${where}: 'tensor-spec' shape ${JSON.stringify(ts.shape)} must list whole numbers (-1 for a free dimension)`)
  }
}

/** A column spec or an object's property: a type, and `required` when given. */
function checkColumn(spec: Record<string, unknown>, where: string): void {
  if (spec.required !== undefined && spec.required !== null && typeof spec.required !== 'boolean') throw invalid(`${where}: 'required' must be true or false`)
  checkType(spec, where)
}

function checkType(spec: Record<string, unknown>, where: string): void {
  if (spec.type === 'array') {
    if (spec.items === undefined || spec.items === null) throw invalid(`${where}: an array type has no 'items'`)
    checkDataType(spec.items, `${where}.items`)
  } else if (spec.type === 'object') {
    if (!isPlainObject(spec.properties)) throw invalid(`${where}: an object type needs a 'properties' mapping`)
    for (const [key, prop] of Object.entries(spec.properties)) {
      const at = `${where}.properties.${key}`
      if (!isPlainObject(prop) || typeof prop.type !== 'string') throw invalid(`${at} must be a spec with a 'type'`)
      checkColumn(prop, at)
    }
  }
}

/** An array's `items`: a type name, or a spec such as `{"type": "array", "items": …}`. */
function checkDataType(type: unknown, where: string): void {
  if (typeof type === 'string') return
  if (!isPlainObject(type) || typeof type.type !== 'string') throw invalid(`${where} must be a type name or a spec with a 'type'`)
  checkType(type, where)
}

function parseParams(text: string): ParamSpec[] {
  const specs = parsePart(text, 'params')
  specs.forEach((spec, i) => {
    if (typeof spec.name !== 'string') throw invalid(`signature.params[${i}] has no 'name'`)
  })
  return specs as unknown as ParamSpec[]
}

function invalid(problem: string): InvalidParameterError {
  return new InvalidParameterError(`MLmodel ${problem}`)
}

/** JSON with Python's default separators (`, ` and `: `). */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`
  if (isPlainObject(value)) {
    const parts = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`)
    return `{${parts.join(', ')}}`
  }
  return JSON.stringify(value) ?? 'null'
}
