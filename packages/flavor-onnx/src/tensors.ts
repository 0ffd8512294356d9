import { InvalidParameterError } from '@railyard/api'

/** The element types this flavor feeds and reads; others are refused with a clear error. */
export type Dtype = 'float32' | 'float64' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'bool' | 'string'

export type TensorData = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | string[]

/** One row's value flattened, with its shape ([] for a scalar). */
export interface FlatRow {
  values: Array<number | bigint | boolean | string>
  shape: number[]
}

/** Flattens a row value: a scalar, a (nested) array or a typed array. Ragged arrays are refused. */
export function flattenRow(value: unknown, what: string): FlatRow {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const values = Array.from(value as unknown as ArrayLike<number | bigint>)
    return { values, shape: [values.length] }
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return { values: [], shape: [0] }
    const parts = value.map((v) => flattenRow(v, what))
    const inner = JSON.stringify(parts[0].shape)
    if (parts.some((p) => JSON.stringify(p.shape) !== inner)) throw new InvalidParameterError(`${what} is a ragged array`)
    return { values: parts.flatMap((p) => p.values), shape: [value.length, ...parts[0].shape] }
  }
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean' || typeof value === 'string') {
    return { values: [value], shape: [] }
  }
  throw new InvalidParameterError(`${what} must be a number, a string, a boolean or an array of them, got ${value === null ? 'null' : typeof value}`)
}

/** The rows' values as one typed buffer of `dtype`. */
export function toTensorData(values: Array<number | bigint | boolean | string>, dtype: Dtype, what: string): TensorData {
  const numbers = () =>
    values.map((v) => {
      if (typeof v === 'string') throw new InvalidParameterError(`${what} must hold numbers for a ${dtype} input, got a string`)
      return Number(v)
    })
  switch (dtype) {
    case 'float32':
      return Float32Array.from(numbers())
    case 'float64':
      return Float64Array.from(numbers())
    case 'int8':
      return Int8Array.from(numbers())
    case 'uint8':
      return Uint8Array.from(numbers())
    case 'int16':
      return Int16Array.from(numbers())
    case 'uint16':
      return Uint16Array.from(numbers())
    case 'int32':
      return Int32Array.from(numbers())
    case 'uint32':
      return Uint32Array.from(numbers())
    case 'int64':
      return BigInt64Array.from(values.map((v) => toBigInt(v, what)))
    case 'uint64':
      return BigUint64Array.from(values.map((v) => toBigInt(v, what)))
    case 'bool':
      return Uint8Array.from(values.map((v) => (v ? 1 : 0)))
    case 'string':
      return values.map(String)
  }
}

function toBigInt(v: number | bigint | boolean | string, what: string): bigint {
  if (typeof v === 'bigint') return v
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v)
  throw new InvalidParameterError(`${what} must hold integers for an int64 input, got ${String(v)}`)
}

/**
 * Splits a batch output of shape [n, ...rest] into n rows: a scalar per row when rest is empty,
 * else nested arrays of shape rest. 64-bit integers become numbers, booleans booleans.
 */
export function splitRows(data: ArrayLike<unknown>, dims: readonly number[], dtype: string): unknown[] {
  const [n, ...rest] = dims
  const size = rest.reduce((a, b) => a * b, 1)
  const convert = (v: unknown) => (typeof v === 'bigint' ? Number(v) : dtype === 'bool' ? v === 1 || v === true : v)
  const rows: unknown[] = []
  for (let i = 0; i < n; i++) {
    const flat = Array.from({ length: size }, (_, j) => convert(data[i * size + j]))
    rows.push(rest.length === 0 ? flat[0] : nest(flat, rest))
  }
  return rows
}

function nest(flat: unknown[], shape: number[]): unknown[] {
  if (shape.length === 1) return flat
  const [head, ...tail] = shape
  const step = flat.length / head
  return Array.from({ length: head }, (_, i) => nest(flat.slice(i * step, (i + 1) * step), tail))
}
