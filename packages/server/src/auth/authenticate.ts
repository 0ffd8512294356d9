import type { FastifyInstance, FastifyReply } from 'fastify'
import { PermissionDeniedError, UnauthenticatedError, type ApiError } from '@railyard/api'
import type { IdentifiedRequest } from '../routes/registry-actor.js'
import type { TokensService } from '../services/tokens.js'
import { allows, type Access } from './route-access.js'
import { cookieCredentials, credentialsOf, type Credentials } from './credentials.js'

// Bearer only: a Basic challenge would make browsers open their own login dialog over the UI's.
const CHALLENGE = 'Bearer realm="railyard"'

// How often a response still open (the live log, a long download) checks its token again.
const RECHECK_MS = 30_000

/**
 * Turns authentication on: every request to a route that is not `open` needs a valid token of a
 * high enough role (the route's `config.access`, stamped by classifyRoutes). A request that matches
 * no route needs a token too, so probing paths tells an anonymous caller nothing. The verified user
 * becomes `request.identity`, which the audit log prefers to the X-Railyard-User header. The web UI's
 * cookie counts on GET and HEAD only (credentials.ts). A GET still open `recheckMs` after the
 * request (default 30 s) checks the token again, and again after as long, and is cut off once the
 * token is revoked or expired: revoking stops an open live-log stream too.
 */
export function installAuthentication(app: FastifyInstance, tokens: TokensService, opts: { recheckMs?: number } = {}): void {
  const recheckMs = opts.recheckMs ?? RECHECK_MS
  app.addHook('onRequest', async (req, reply) => {
    const access = (req.routeOptions.config as { access?: Access }).access ?? 'read'
    if (access === 'open') return
    const credentials =
      credentialsOf(req.headers.authorization) ?? (req.method === 'GET' || req.method === 'HEAD' ? cookieCredentials(req.headers.cookie) : undefined)
    if (!credentials) {
      return refuse(reply, new UnauthenticatedError('Authentication required: send Authorization: Bearer <token> (set MLFLOW_TRACKING_TOKEN)'))
    }
    let identity
    try {
      identity = await tokens.verify(credentials.token, credentials.user)
    } catch (err) {
      if (err instanceof UnauthenticatedError) return refuse(reply, err)
      throw err
    }
    ;(req as IdentifiedRequest).identity = identity.user
    ;(req as IdentifiedRequest).role = identity.role
    if (!allows(identity.role, access)) {
      return refuse(reply, new PermissionDeniedError(`This call needs a token with the '${access}' role; ${identity.user}'s token has '${identity.role}'`))
    }
    // Only responses that stream out (the live log, downloads) stay open: no timer for the writes.
    if (req.method === 'GET' || req.method === 'HEAD') recheckWhileOpen(reply, tokens, credentials, recheckMs)
  })
}

function recheckWhileOpen(reply: FastifyReply, tokens: TokensService, credentials: Credentials, everyMs: number): void {
  const res = reply.raw
  let timer: NodeJS.Timeout | undefined
  const check = async () => {
    try {
      await tokens.verify(credentials.token, credentials.user)
    } catch (err) {
      // A database hiccup is not a revocation: the next check decides.
      if (err instanceof UnauthenticatedError) {
        res.destroy()
        return
      }
    }
    if (!res.destroyed && !res.writableFinished) timer = setTimeout(check, everyMs).unref()
  }
  timer = setTimeout(check, everyMs).unref()
  res.once('close', () => clearTimeout(timer))
}

function refuse(reply: FastifyReply, err: ApiError): FastifyReply {
  if (err.status === 401) reply.header('www-authenticate', CHALLENGE)
  return reply.status(err.status).send(err.toBody())
}
