import { InvalidParameterError } from '@railyard/api'

/**
 * Parses a request body the way MLflow's Flask server does: an empty body is `{}`, a body that is
 * a JSON string holding JSON is decoded twice, the bare NaN / Infinity / -Infinity tokens that
 * Python's json module writes are accepted (as the strings proto JSON uses for them), and a field
 * set to null is a field not set (see normalizeBody).
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return {}
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    try {
      value = JSON.parse(quoteNonFiniteTokens(text))
    } catch (err) {
      throw new InvalidParameterError(`Malformed JSON request body: ${(err as Error).message}`)
    }
  }
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value)
    } catch {
      throw new InvalidParameterError('The request body must be a JSON object, not a JSON string')
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidParameterError('The request body must be a JSON object')
  }
  normalizeBody(value)
  return value
}

/** Deeper than any request of the API needs (a few levels). */
const MAX_BODY_DEPTH = 64

/**
 * One walk over a parsed body, before any route sees it: a field set to null is removed (a field not
 * set, as in protobuf's JSON mapping, which MLflow's server parses with: clients send Python's
 * None), and nesting deeper than MAX_BODY_DEPTH is refused, so no later recursive walk can exhaust
 * the stack (a 500). A work list, not recursion, for the same reason.
 */
function normalizeBody(body: object): void {
  const pending: Array<{ value: unknown; depth: number }> = [{ value: body, depth: 1 }]
  while (pending.length > 0) {
    const { value, depth } = pending.pop()!
    if (value === null || typeof value !== 'object') continue
    if (depth > MAX_BODY_DEPTH) throw new InvalidParameterError(`Malformed JSON request body: nested deeper than ${MAX_BODY_DEPTH} levels`)
    if (Array.isArray(value)) {
      for (const item of value) if (item !== null && typeof item === 'object') pending.push({ value: item, depth: depth + 1 })
      continue
    }
    const object = value as Record<string, unknown>
    for (const key of Object.keys(object)) {
      const field = object[key]
      if (field === null) delete object[key]
      else if (typeof field === 'object') pending.push({ value: field, depth: depth + 1 })
    }
  }
}


/** Turns bare NaN / Infinity / -Infinity outside strings into quoted strings. */
export function quoteNonFiniteTokens(text: string): string {
  let out = ''
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (inString) {
      out += ch
      if (ch === '\\') out += text[++i] ?? ''
      else if (ch === '"') inString = false
      continue
    }
    if (ch === '"') {
      inString = true
      out += ch
      continue
    }
    const token = ['-Infinity', 'Infinity', 'NaN'].find((t) => text.startsWith(t, i))
    if (token) {
      out += `"${token}"`
      i += token.length - 1
      continue
    }
    out += ch
  }
  return out
}
