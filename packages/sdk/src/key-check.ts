import { InvalidParameterError, LIMITS } from '@railyard/api'

// MLflow's rule for metric, param and tag names (mlflow/utils/validation.py), which the server enforces.
const NAME_CHARS = /^[/\w.\- :]*$/

/**
 * Checks a name before it is queued: a bad key rejected later by the server would take the whole
 * batch of good points with it, so the script hears about it at the call instead.
 */
export function checkKey(key: unknown, kind: 'metric' | 'param' | 'tag'): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidParameterError(`A ${kind} name must be a non-empty string`)
  if (!NAME_CHARS.test(key)) {
    throw new InvalidParameterError(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`,
    )
  }
  if (key.length > LIMITS.keyLength) {
    throw new InvalidParameterError(`${kind} name '${key.slice(0, 40)}…' is longer than ${LIMITS.keyLength} characters`)
  }
  if (key.startsWith('/') || key.split('/').some((p) => p === '.' || p === '..')) {
    throw new InvalidParameterError(`Invalid ${kind} name: '${key}'. Names must not resolve to other names when treated as paths.`)
  }
}

export function checkInteger(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new InvalidParameterError(`${what} must be an integer, got ${String(value)}`)
  }
}
