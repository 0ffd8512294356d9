import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ApiError } from '@railyard/api'
import type { Log } from './deployer.js'
import { ModelFailedError } from './predict-errors.js'

/**
 * Every failure as MLflow's `{error_code, message}`. Bad requests are 4xx naming the problem; a
 * model that throws is a 500 with a plain message and its stack in the log only.
 */
export function installErrorHandler(app: FastifyInstance, log: Log): void {
  app.setErrorHandler((error: FastifyError | ApiError | Error, request, reply) => {
    // Fastify parses the body before it knows no route matches: a body it refuses, sent to a path
    // we don't serve (POST /invocation), is still a wrong path, not a wrong Content-Type.
    if (request.is404) return notFound(app, request, reply)
    if (error instanceof ModelFailedError) {
      log('error', `${request.method} ${request.url}: the model failed to predict: ${stackOf(error.cause)}`)
      return reply.status(500).send(error.toBody())
    }
    if (error instanceof ApiError) return reply.status(error.status).send(error.toBody())
    const fe = error as FastifyError
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      // 413 stays a 413 (the client must send less); every other client mistake is a 400.
      const status = fe.statusCode === 413 ? 413 : 400
      return reply.status(status).send({ error_code: 'BAD_REQUEST', message: fe.message })
    }
    log('error', `${request.method} ${request.url} failed: ${stackOf(error)}`)
    return reply.status(500).send({ error_code: 'INTERNAL_ERROR', message: 'Internal server error; details are in the server log.' })
  })
  app.setNotFoundHandler((request, reply) => notFound(app, request, reply))
}

function notFound(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = request.url.split('?')[0]
  const allowed = ['GET', 'POST'].filter((method) => app.hasRoute({ method: method as 'GET' | 'POST', url: path })).join(', ')
  if (allowed) {
    // A path we serve, asked with another method (GET /invocations): 405 with Allow, as HTTP says.
    return reply.status(405).header('allow', allowed).send({
      error_code: 'BAD_REQUEST',
      message: `${request.method} ${path} is not allowed; use ${allowed} ${path}`,
    })
  }
  return reply.status(404).send({
    error_code: 'ENDPOINT_NOT_FOUND',
    message: `No endpoint ${request.method} ${path}; this server answers POST /invocations, POST /predict, GET /ping, /health and /version`,
  })
}

function stackOf(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err)
}
