import { ApiError, NotFoundError, PermissionDeniedError } from '@railyard/api'

// Socket-level failures: nothing answered at the endpoint (or it stopped answering).
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_CONNECT_TIMEOUT',
  'REQUEST_SEND_ERROR',
])

/** True for errors that mean the endpoint could not be reached at all. */
export function isNetworkError(err: unknown): boolean {
  const e = err as { code?: unknown; name?: unknown; cause?: unknown } | undefined
  if (!e || typeof e !== 'object') return false
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true
  if (e.name === 'TimeoutError') return true
  return e.cause !== undefined && e.cause !== err && isNetworkError(e.cause)
}

/**
 * The endpoint could not be reached: a 503, so callers may retry later. `keepCause` is false where
 * the original error may carry a signed request URL (Azure SAS).
 */
export function unreachable(where: string, err: unknown, keepCause = true): ApiError {
  const e = err as { code?: string; message?: string } | undefined
  const reason = e?.code && e.code !== 'REQUEST_SEND_ERROR' ? e.code : (e?.message ?? String(err))
  const out = new ApiError('TEMPORARILY_UNAVAILABLE', `Cannot reach ${where}: ${reason}`)
  if (keepCause) out.cause = err
  return out
}

/** The storage service refused the credentials or the permission. Never includes a secret. */
export function rejectedCredentials(where: string, code: string, detail?: string): ApiError {
  const hint = detail ? ` (${code}: ${detail})` : ` (${code})`
  return new PermissionDeniedError(`Access denied to ${where}: check the credentials and their permissions${hint}`)
}

/** The bucket or container itself does not exist. */
export function missingContainer(kind: string, name: string, where: string): ApiError {
  return new NotFoundError(`${kind} '${name}' does not exist at ${where}`)
}

/** Any other failure of the service, with where it happened; the original error is the cause. */
export function storageFailure(where: string, operation: string, err: unknown, keepCause = true): Error {
  const e = err as { name?: string; code?: string; message?: string }
  const code = e?.code ?? e?.name ?? 'Error'
  const message = `${operation} failed at ${where}: ${code}: ${e?.message ?? String(err)}`
  return keepCause ? new Error(message, { cause: err }) : new Error(message)
}
