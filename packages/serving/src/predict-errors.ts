import { ApiError } from '@railyard/api'

/**
 * How a model says "this input is wrong" (→ 400) rather than "I failed" (→ 500): its predict
 * throws an error with any of
 * - `status` or `statusCode` between 400 and 499 (an @railyard/api ApiError such as
 *   InvalidParameterError has one);
 * - `code` `'BAD_REQUEST'`, `'INVALID_PARAMETER_VALUE'` or `'INVALID_INPUT'`;
 * - `name` `'InvalidInputError'`.
 * The client then gets the error's own message. Anything else is the model's fault: a 500 with a
 * plain message, and the stack in the log.
 */
export function isInputError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false
  const e = err as { status?: unknown; statusCode?: unknown; code?: unknown; name?: unknown }
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined
  if (status !== undefined && status >= 400 && status < 500) return true
  if (e.code === 'BAD_REQUEST' || e.code === 'INVALID_PARAMETER_VALUE' || e.code === 'INVALID_INPUT') return true
  return e.name === 'InvalidInputError'
}

/** The HTTP error for a failed prediction: the model's 4xx as a BAD_REQUEST, anything else as a 500. */
export function predictionError(err: unknown): ApiError {
  if (err instanceof ApiError && err.status < 500) return err
  if (isInputError(err)) return new ApiError('BAD_REQUEST', `The model rejected the input: ${(err as Error).message ?? String(err)}`)
  return new ModelFailedError(err)
}

/** The model threw: the client sees a plain message, the log gets `cause` with its stack. */
export class ModelFailedError extends ApiError {
  constructor(cause: unknown) {
    super('INTERNAL_ERROR', 'The model failed to predict; details are in the server log.')
    this.cause = cause
  }
}
