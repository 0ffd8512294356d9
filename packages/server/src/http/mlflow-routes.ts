import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Endpoint } from '@railyard/api'
import { compact } from '../services/wire.js'

export const MLFLOW_PREFIXES = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'] as const

export type Handler<Req = any> = (request: Req, raw: FastifyRequest) => Promise<unknown> | unknown

/**
 * Mounts handlers for endpoints of the api/ table under both MLflow prefixes, validating the query
 * string for GET and the JSON body otherwise, and answering `{}` for mutations without a result.
 */
export function mountEndpoints<E extends Record<string, Endpoint>>(
  app: FastifyInstance,
  endpoints: E,
  handlers: { [K in keyof E]?: Handler },
  prefixes: readonly string[] = MLFLOW_PREFIXES,
): void {
  for (const [name, handler] of Object.entries(handlers) as Array<[string, Handler]>) {
    const ep = endpoints[name]
    if (!ep) throw new Error(`No endpoint named ${name} in the api table`)
    for (const method of [ep.method, ...(ep.alsoMethods ?? [])]) {
      const part = method === 'GET' ? 'querystring' : 'body'
      for (const prefix of prefixes) {
        app.route({
          method,
          url: prefix + ep.path,
          schema: { [part]: ep.request },
          // No body at all reads as `{}`, as MLflow's server reads it: the check then names the
          // missing field instead of the body.
          preValidation: async (req) => {
            if (part !== 'body') return
            if (req.body === undefined || req.body === null) req.body = {}
          },
          handler: async (req) => {
            const input = method === 'GET' ? req.query : req.body
            return compact((await handler(input, req)) ?? {})
          },
        })
      }
    }
  }
}
