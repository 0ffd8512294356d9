import { CommanderError } from 'commander'
import { ApiError, ConnectionError } from '@railyard/sdk'

/** Exit codes: 0 ok, 1 the operation failed, 2 the command line was wrong. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const

/** A wrong command line that commander cannot see (e.g. an experiment given twice in two ways). */
export class UsageError extends Error {}

/** A failure already explained in plain words; printed as is. */
export class CliError extends Error {}

/** The server at `url` could not be reached; keeps the URL so the message can name it. */
export class UnreachableError extends CliError {
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(
      `cannot reach the tracking server at ${url} (${reason}). ` +
        'Is `railyard server` running there? Use --tracking-uri or MLFLOW_TRACKING_URI to point elsewhere.',
    )
  }
}

// What to do when a server started with --auth refuses the call.
const AUTH_HINTS: Partial<Record<string, string>> = {
  UNAUTHENTICATED:
    '\nThis server requires a token: set MLFLOW_TRACKING_TOKEN to one from `railyard tokens create` ' +
    '(or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD to its user and the token).',
  PERMISSION_DENIED: "\nYour token's role does not allow this: ask an admin for a token with a higher role (`railyard tokens create`).",
}

/**
 * Turns anything thrown by a command into one line for stderr and an exit code. Stack traces are
 * only for bugs, and only with RAILYARD_DEBUG set.
 */
export function describeError(err: unknown, trackingUri?: string): { message?: string; code: number } {
  if (err instanceof CommanderError) {
    // commander already printed its message (or the help).
    const ok = err.code === 'commander.helpDisplayed' || err.code === 'commander.version'
    return { code: ok ? EXIT.ok : EXIT.usage }
  }
  if (err instanceof UsageError) return { message: `error: ${err.message}\n(add --help for usage)`, code: EXIT.usage }
  if (err instanceof CliError) return { message: err.message, code: EXIT.failure }
  if (err instanceof ConnectionError) {
    return { message: new UnreachableError(trackingUri ?? 'the tracking URI', connectionReason(err)).message, code: EXIT.failure }
  }
  if (err instanceof ApiError) {
    // INVALID_PARAMETER_VALUE is the server rejecting a value we passed on from the command line
    // (a version, a pattern, a name): wrong usage, as when commander rejects one.
    const code = err.code === 'INVALID_PARAMETER_VALUE' ? EXIT.usage : EXIT.failure
    return { message: `${err.message} (${err.code})${AUTH_HINTS[err.code] ?? ''}`, code }
  }
  const message = err instanceof Error ? err.message : String(err)
  const stack = process.env.RAILYARD_DEBUG && err instanceof Error ? `\n${err.stack}` : ''
  return { message: `${message}${stack}`, code: EXIT.failure }
}

/** The innermost cause of a failed fetch, in words: "connection refused", "host not found", … */
export function connectionReason(err: unknown): string {
  let e: unknown = err
  let innermost = err instanceof Error ? err.message : String(err)
  for (let i = 0; i < 6 && e; i++) {
    const code = (e as { code?: string }).code
    if (code === 'ECONNREFUSED') return 'connection refused'
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found'
    if (code === 'ECONNRESET') return 'connection reset'
    if (code === 'ETIMEDOUT' || (e as Error).name === 'TimeoutError') return 'timed out'
    if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'host unreachable'
    if (e instanceof Error && e !== err) innermost = e.message
    e = (e as { cause?: unknown }).cause
  }
  return innermost
}
