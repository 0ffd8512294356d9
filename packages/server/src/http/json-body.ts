import { InvalidParameterError } from '@railyard/api'

/**
 * Parses a request body the way MLflow's Flask server does: an empty body is `{}`, a body that is
 * a JSON string holding JSON is decoded twice, and the bare NaN / Infinity / -Infinity tokens that
 * Python's json module writes are accepted (as the strings proto JSON uses for them).
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return {}
  checkNesting(text)
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
  return value
}

/** Deeper than any request of the API (a few levels); deep enough for any model input. */
export const MAX_JSON_DEPTH = 64

/**
 * Refuses JSON nested deeper than MAX_JSON_DEPTH before anything walks it: parsers, the schema check
 * and our own walks recurse, and thousands of levels would exhaust the stack (a 500).
 */
function checkNesting(text: string): void {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    if (inString) {
      if (ch === 0x5c) i++ // backslash: skip the escaped character
      else if (ch === 0x22) inString = false
    } else if (ch === 0x22) {
      inString = true
    } else if (ch === 0x5b || ch === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) throw new InvalidParameterError(`Malformed JSON request body: nested deeper than ${MAX_JSON_DEPTH} levels`)
    } else if (ch === 0x5d || ch === 0x7d) {
      depth--
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
