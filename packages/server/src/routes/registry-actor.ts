import os from 'node:os'
import type { FastifyRequest } from 'fastify'
import { InvalidParameterError, type TokenRole } from '@railyard/api'
import type { Actor } from '../store/registry-audit-repo.js'

/**
 * With `--auth`, auth/authenticate.ts sets `request.identity` to the token's user and
 * `request.role` to its role; the audit log then ignores anything the client claims.
 */
export interface IdentifiedRequest {
  identity?: string
  role?: TokenRole
}

const WHO_LENGTH = 256
const REASON_LENGTH = 5000

/**
 * Who makes a change and why, for the audit log: the authenticated identity when there is one,
 * else the `X-Railyard-User` header (the CLI and SDK send the local user), else the user the server
 * runs as (a local, single-user setup). The reason comes from the request's `reason` field.
 */
export function actorOf(req: FastifyRequest, reason?: string): Actor {
  const identity = (req as FastifyRequest & IdentifiedRequest).identity
  const header = req.headers['x-railyard-user']
  const claimed = typeof header === 'string' ? header.trim() : undefined
  const who = identity || claimed || serverUser()
  if (reason !== undefined && reason.length > REASON_LENGTH) {
    throw new InvalidParameterError(`reason had length ${reason.length}, which exceeded length limit of ${REASON_LENGTH}`)
  }
  return { who: who.slice(0, WHO_LENGTH), reason: reason || undefined }
}

let cachedUser: string | undefined

function serverUser(): string {
  if (cachedUser === undefined) {
    try {
      cachedUser = os.userInfo().username
    } catch {
      // A container user without a passwd entry.
      cachedUser = process.env.USER || process.env.USERNAME || `uid:${process.getuid?.() ?? 'unknown'}`
    }
  }
  return cachedUser
}
