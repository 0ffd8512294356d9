import type { FastifyInstance, FastifyRequest } from 'fastify'
import { badRequest } from './scoring-input.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The body as received, for signature checks (JSON bodies only). */
    rawBody?: string
  }
}

/**
 * Bodies are JSON (`application/json`, with or without parameters such as MLflow's legacy
 * `; format=pandas-split`; a leading byte-order mark is allowed, as Python's json allows it).
 * `POST /invocations` also takes `text/csv` (see installCsvBody). Anything else, no body, and text
 * that is not JSON are BAD_REQUEST naming the problem, never a 415 or a 500.
 */
export function installJsonBody(app: FastifyInstance): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(/^application\/(?:[\w.+-]+\+)?json(?:\s*;.*)?$/i, { parseAs: 'string' }, (req: FastifyRequest, body: string | Buffer, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8')
    req.rawBody = text
    if (text.trim() === '') return done(badRequest('The request body is empty; send a JSON document'), undefined)
    try {
      // PowerShell and Windows editors write UTF-8 with a BOM, which JSON.parse refuses as a token.
      done(null, JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text))
    } catch (err) {
      done(badRequest(`The request body is not valid JSON: ${(err as Error).message}`), undefined)
    }
  })
  app.addContentTypeParser('*', (req, _payload, done) => {
    const type = req.headers['content-type']
    done(badRequest(`Content-Type must be application/json (or text/csv for POST /invocations); got ${type ? `'${type}'` : 'none'}`), undefined)
  })
}

/** BAD_REQUEST for a POST that arrived with no body at all (Fastify then parses nothing). */
export function requireBody(req: FastifyRequest): unknown {
  if (req.body === undefined) {
    throw badRequest('The request has no body; send a JSON document with Content-Type: application/json')
  }
  return req.body
}
