import Type, { type TSchema } from 'typebox'

/**
 * MLflow's protos are proto2; proto JSON writes int64 as a string, MLflow's own client writes it as
 * a number. We accept both and let services normalize with `toInt`.
 */
export const Int64 = Type.Union([Type.Integer(), Type.String({ pattern: '^-?[0-9]+$' })])

/** A double, or one of the strings proto JSON uses for the values JSON cannot carry. */
export const Double = Type.Union([
  Type.Number(),
  Type.String({ pattern: '^(NaN|Infinity|-Infinity|-?[0-9.eE+-]+)$' }),
])

export const KeyValue = Type.Object({ key: Type.String(), value: Type.String() })
export const KeyValueList = Type.Array(KeyValue)

/** A field that may be sent once or repeated (`order_by=a&order_by=b`). */
export const StringList = Type.Array(Type.String())

export const opt = <T extends TSchema>(schema: T) => Type.Optional(schema)

export function toInt(value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined
  return typeof value === 'number' ? value : Number(value)
}

export function toDouble(value: number | string): number {
  if (typeof value === 'number') return value
  if (value === 'NaN') return NaN
  if (value === 'Infinity') return Infinity
  if (value === '-Infinity') return -Infinity
  return Number(value)
}

/** Proto JSON spelling of a double: JSON has no NaN or Infinity, so those become strings. */
export function doubleToWire(value: number): number | string {
  return Number.isFinite(value) ? value : String(value)
}
