import { parseSignature, type ColSpec, type DataType, type TensorSpec } from '@railyard/sdk'
import type { ModelManifest } from '@railyard/api'
import { badRequest, describe, isPlainObject } from './scoring-input.js'

/**
 * Checks a batch against the model's input schema; throws BAD_REQUEST naming the first bad input,
 * as `nameOf(index)` names it (default `Input <index>`; a CSV body names its line).
 */
export type InputCheck = (inputs: unknown[], nameOf?: (index: number) => string) => void

const inputName = (index: number) => `Input ${index}`

/**
 * The input check of a model, from its signature, or undefined when it has none. Column schemas:
 * a record must have every required column (its own property: a column named `constructor` or
 * `__proto__` is a column like any other), with a value of the column's type; a plain value is
 * accepted when the schema has one column and the value fits it. Tensor schemas: each input must
 * be a (nested) list of numbers of the declared shape (the leading -1 is the batch). Extra columns
 * are allowed, as in MLflow. InvalidParameterError naming the field when the signature is
 * malformed (see the SDK's parseSignature): the model is refused when it loads, so that no
 * request meets a check that cannot work.
 */
export function inputCheckOf(manifest: ModelManifest): InputCheck | undefined {
  const schema = parseSignature(manifest)?.inputs
  if (!schema || schema.length === 0) return undefined
  if (schema.every((s) => s.type === 'tensor')) {
    const tensors = schema as TensorSpec[]
    return tensors.length === 1 ? tensorCheck(tensors[0]) : undefined
  }
  return columnCheck(schema as ColSpec[])
}

function columnCheck(columns: ColSpec[]): InputCheck {
  const named = columns.filter((c) => c.name !== undefined)
  const only = columns.length === 1 ? columns[0] : undefined
  return (inputs, nameOf = inputName) => {
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i]
      if (isPlainObject(input)) {
        for (const col of named) {
          const value = Object.hasOwn(input, col.name!) ? input[col.name!] : undefined
          if (value === undefined || value === null) {
            if (col.required === false) continue
            // A null is a column sent empty (an empty CSV field, a NaN written as null), not a missing one.
            throw badRequest(
              value === undefined
                ? `${nameOf(i)} lacks the required column '${col.name}'`
                : `${nameOf(i)}: column '${col.name}' is empty (null), but the model requires a value`,
            )
          }
          const problem = typeProblem(col as DataType | ColSpec, value)
          if (problem) throw badRequest(`${nameOf(i)}: column '${col.name}' ${problem}`)
        }
      } else if (only) {
        if (input === null || input === undefined) {
          if (only.required !== false) throw badRequest(`${nameOf(i)} is null, but the model requires a value`)
          continue
        }
        const problem = typeProblem(only, input)
        if (problem) throw badRequest(`${nameOf(i)} ${problem}`)
      } else {
        throw badRequest(`${nameOf(i)} must be a record with the columns ${named.map((c) => `'${c.name}'`).join(', ')}; got ${describe(input)}`)
      }
    }
  }
}

/** What is wrong with `value` for `spec` ("must be a string; got …"), or undefined when it fits. */
function typeProblem(spec: DataType | ColSpec, value: unknown): string | undefined {
  const type = typeof spec === 'string' ? spec : spec.type
  switch (type) {
    case 'string':
      return typeof value === 'string' ? undefined : mustBe('a string', value)
    case 'boolean':
      return typeof value === 'boolean' ? undefined : mustBe('a boolean', value)
    case 'integer':
    case 'long':
      return Number.isInteger(value) ? undefined : mustBe('a whole number', value)
    case 'float':
    case 'double':
      return typeof value === 'number' ? undefined : mustBe('a number', value)
    case 'binary':
      return typeof value === 'string' ? undefined : mustBe('base64 text', value)
    case 'datetime':
      return typeof value === 'string' || typeof value === 'number' ? undefined : mustBe('a date (ISO text or epoch number)', value)
    case 'array': {
      if (!Array.isArray(value)) return mustBe('a list', value)
      const items = (spec as { items: DataType }).items
      for (let j = 0; j < value.length; j++) {
        const problem = typeProblem(items, value[j])
        if (problem) return `item ${j} ${problem}`
      }
      return undefined
    }
    case 'object': {
      if (!isPlainObject(value)) return mustBe('an object', value)
      const properties = (spec as { properties: Record<string, ColSpec> }).properties ?? {}
      for (const [key, prop] of Object.entries(properties)) {
        const v = Object.hasOwn(value, key) ? value[key] : undefined
        if (v === undefined || v === null) {
          if (prop.required !== false) return `lacks the required property '${key}'`
          continue
        }
        const problem = typeProblem(prop, v)
        if (problem) return `property '${key}' ${problem}`
      }
      return undefined
    }
    default:
      return undefined
  }
}

// At module level rather than a closure in typeProblem, which runs for every input.
function mustBe(what: string, value: unknown): string {
  return `must be ${what}; got ${describe(value)}`
}

function tensorCheck(spec: TensorSpec): InputCheck {
  const dims = spec['tensor-spec'].shape.slice(1)
  const shape = dims.map((d) => (d >= 0 ? String(d) : 'any')).join(' × ')
  return (inputs, nameOf = inputName) => {
    for (let i = 0; i < inputs.length; i++) {
      const problem = shapeProblem(inputs[i], dims)
      if (problem) throw badRequest(`${nameOf(i)} must be ${dims.length ? `a ${shape} list of numbers` : 'a number'}: ${problem}`)
    }
  }
}

function shapeProblem(value: unknown, dims: number[]): string | undefined {
  if (dims.length === 0) return typeof value === 'number' ? undefined : `got ${describe(value)}`
  if (!Array.isArray(value)) return `got ${describe(value)}`
  if (dims[0] >= 0 && value.length !== dims[0]) return `got ${value.length} items where ${dims[0]} are expected`
  for (const item of value) {
    const problem = shapeProblem(item, dims.slice(1))
    if (problem) return problem
  }
  return undefined
}
