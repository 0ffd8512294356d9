import { InvalidParameterError } from '@railyard/api'

/**
 * Parses a request body the way MLflow's Flask server does: an empty body is `{}`, a body that is
 * a JSON string holding JSON is decoded twice, and the bare NaN / Infinity / -Infinity tokens that
 * Python's json module writes are accepted (as the strings proto JSON uses for them).
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
  return value
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
