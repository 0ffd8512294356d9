import { Ajv, type ErrorObject } from 'ajv'
import type { FastifySchemaCompiler } from 'fastify'

// Bodies are checked strictly (5 is not a string, as in MLflow); query strings are text,
// so they are coerced, and a field sent once becomes a one-element list.
const strict = new Ajv({ coerceTypes: false, useDefaults: true, allErrors: false, verbose: true, strict: false })
const lenient = new Ajv({ coerceTypes: 'array', useDefaults: true, allErrors: false, verbose: true, strict: false })

export const validatorCompiler: FastifySchemaCompiler<any> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'querystring' || httpPart === 'params' ? lenient : strict
  return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<any>>
}

/** MLflow's wording for a request that fails its schema. */
export function describeValidationError(errors: ErrorObject[]): string {
  const e = errors.find((x) => x.keyword === 'required') ?? errors[0]
  const field = fieldName(e)
  if (e.keyword === 'required') {
    return `Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`
  }
  const value = clip(JSON.stringify(e.data) ?? String(e.data))
  const expected = e.keyword === 'anyOf' ? describeAnyOf(e) : e.message
  return `Invalid value ${value} for parameter '${field}' supplied: ${expected}`
}

function fieldName(e: ErrorObject): string {
  const path = e.instancePath.replace(/^\//, '').split('/').filter(Boolean)
  if (e.keyword === 'required') path.push(String((e.params as { missingProperty: string }).missingProperty))
  return path.join('.') || 'body'
}

function describeAnyOf(e: ErrorObject): string {
  const variants = ((e.schema as Array<{ type?: string }>) ?? []).map((s) => s.type).filter(Boolean)
  return `expected ${[...new Set(variants)].join(' or ')}`
}

// A message quotes the value it refuses, but not a 7 MB one whole.
const QUOTED_MAX = 200

function clip(text: string): string {
  return text.length > QUOTED_MAX ? `${text.slice(0, QUOTED_MAX)}… (${text.length} characters)` : text
}
