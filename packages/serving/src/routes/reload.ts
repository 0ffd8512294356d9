import { createHmac, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { ApiError } from '@railyard/api'
import { requireBody } from '../json-body.js'
import { isPlainObject } from '../scoring-input.js'

export interface ReloadOptions {
  /** The secret the registry's webhook signs with; without it the endpoint is off (404). */
  secret?: string
  /** The registered model being served: events about other models are acknowledged and ignored. */
  modelName?: string
  /** Asks the registry again now (the event's own version is not trusted). */
  onReload: () => void
}

// The registry's webhook events that can move what a models:/ URI names.
const MOVING_EVENTS = new Set(['alias.set', 'alias.deleted', 'model_version.created'])

/**
 * `POST /-/reload`: a registry webhook push (`X-Railyard-Signature: sha256=<hex HMAC-SHA256 of the
 * body>`, as the registry signs). A correctly signed event about the served model triggers a poll
 * right away; a missing or wrong signature is UNAUTHENTICATED (401).
 */
export function reloadRoute(opts: ReloadOptions) {
  return async (app: FastifyInstance) => {
    app.post('/-/reload', async (req, reply) => {
      if (!opts.secret) {
        throw new ApiError('ENDPOINT_NOT_FOUND', 'Reload pushes are off: start the server with a webhook secret (--webhook-secret)')
      }
      const body = requireBody(req)
      const signature = req.headers['x-railyard-signature']
      if (typeof signature !== 'string' || !signatureMatches(opts.secret, req.rawBody ?? '', signature)) {
        throw new ApiError('UNAUTHENTICATED', 'The X-Railyard-Signature header is missing or does not match the body')
      }
      const event = isPlainObject(body) ? body.event : undefined
      const data = isPlainObject(body) && isPlainObject(body.data) ? body.data : {}
      const ours = opts.modelName === undefined || data.name === opts.modelName
      if (typeof event !== 'string' || !MOVING_EVENTS.has(event) || !ours) {
        return { accepted: false, reason: `not an event that moves ${opts.modelName ?? 'the served model'}` }
      }
      opts.onReload()
      return reply.status(202).send({ accepted: true })
    })
  }
}

function signatureMatches(secret: string, body: string, header: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`)
  const got = Buffer.from(header)
  return got.length === expected.length && timingSafeEqual(got, expected)
}
