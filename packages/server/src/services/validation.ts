import { InvalidParameterError, LIMITS, NotFoundError } from '@railyard/api'

const NAME_CHARS = /^[/\w.\- :]*$/
const RUN_ID = /^[a-zA-Z0-9][\w-]{0,255}$/
const EXPERIMENT_ID = /^[a-zA-Z0-9][\w-]{0,63}$/

/** Metric, param and tag keys: MLflow's characters and length, and nothing that reads as a path escape. */
export function validateKey(key: string, kind: 'metric' | 'param' | 'tag'): void {
  if (key.length === 0) throw new InvalidParameterError(`Missing value for required parameter 'key' (${kind} name).`)
  if (!NAME_CHARS.test(key)) {
    throw new InvalidParameterError(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), ` +
        `periods (.), spaces ( ), colon(:) and slashes (/).`,
    )
  }
  if (key.length > LIMITS.keyLength) {
    throw new InvalidParameterError(`${kind} name '${key.slice(0, 40)}…' had length ${key.length}, which exceeded length limit of ${LIMITS.keyLength}`)
  }
  const parts = key.split('/')
  if (key.startsWith('/') || parts.some((p) => p === '.' || p === '..')) {
    throw new InvalidParameterError(
      `Invalid ${kind} name: '${key}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such.`,
    )
  }
}

export function validateLength(value: string, limit: number, what: string): void {
  if (value.length > limit) {
    throw new InvalidParameterError(`${what} had length ${value.length}, which exceeded length limit of ${limit}`)
  }
}

export function validateRunId(runId: string | undefined): string {
  if (runId === undefined || runId === '') throw new InvalidParameterError(`Missing value for required parameter 'run_id'.`)
  if (!RUN_ID.test(runId)) throw new InvalidParameterError(`Invalid value '${runId}' for parameter 'run_id': not a valid run id.`)
  return runId
}

/** Parses an experiment id; ids that are well formed but not ours simply do not exist. */
export function parseExperimentId(id: string | undefined): number {
  if (id === undefined || id === '') throw new InvalidParameterError(`Missing value for required parameter 'experiment_id'.`)
  if (!EXPERIMENT_ID.test(id)) throw new InvalidParameterError(`Invalid value '${id}' for parameter 'experiment_id'.`)
  const n = Number(id)
  if (!/^\d+$/.test(id) || !Number.isSafeInteger(n)) throw new NotFoundError(`No Experiment with id=${id} exists`)
  return n
}

export function requireString(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw new InvalidParameterError(`Missing value for required parameter '${name}'.`)
  return value
}

/** A page size from the request: default when absent, IPV when out of range. */
export function pageSize(value: number | undefined, def: number, max: number, name = 'max_results'): number {
  if (value === undefined) return def
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new InvalidParameterError(`Invalid value ${value} for parameter '${name}' supplied. It must be between 1 and ${max}.`)
  }
  return value
}
