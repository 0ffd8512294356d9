import type { FastifyRequest } from 'fastify'
import { PermissionDeniedError, type TokenRole } from '@railyard/api'
import type { IdentifiedRequest } from '../routes/registry-actor.js'

/** A caller whose token is below `admin`. */
export interface RestrictedCaller {
  role: TokenRole
  who: string
}

/**
 * The caller when authentication is on and its token is not an admin's; undefined otherwise, when
 * an admin-only rule has nothing to refuse (without `--auth` the audit log is the only guard).
 */
export function belowAdmin(req: FastifyRequest): RestrictedCaller | undefined {
  const { role, identity } = req as IdentifiedRequest
  return role === undefined || role === 'admin' ? undefined : { role, who: identity ?? '' }
}

/** The 403 of an admin-only rule: `rule` says what needs the admin role, then the caller's role is named. */
export function adminOnly(rule: string, caller: RestrictedCaller): PermissionDeniedError {
  return new PermissionDeniedError(`${rule}; ${caller.who}'s token has '${caller.role}'`)
}
