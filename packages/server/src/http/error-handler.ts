import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import { ApiError, InvalidParameterError } from '@railyard/api'
import { describeValidationError } from './validator.js'

/** One place turns every failure into MLflow's `{error_code, message}`; stacks stay in the log. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ApiError | Error, request, reply) => {
    // Fastify parses the body before it knows no route matches: a text body sent to a path we
    // don't serve is still "no such endpoint", and MLflow clients fall back only on that code.
    if (request.is404) {
      return reply.status(404).send(endpointNotFound(request))
    }
    if (error instanceof ApiError) {
      return reply.status(error.status).send(error.toBody())
    }
    const fe = error as FastifyError
    if (fe.validation) {
      return reply.status(400).send(new InvalidParameterError(describeValidationError(fe.validation as never)).toBody())
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      const code = fe.statusCode === 413 ? 'INVALID_PARAMETER_VALUE' : fe.statusCode === 404 ? 'ENDPOINT_NOT_FOUND' : 'BAD_REQUEST'
      return reply.status(fe.statusCode).send({ error_code: code, message: fe.message })
    }
    // Written to stderr whatever the logger: `railyard server` runs without Fastify's, and the
    // message below sends the operator to this line.
    process.stderr.write(`railyard server: ${request.method} ${request.url.split('?')[0]} failed: ${error.stack ?? error.message}\n`)
    return reply.status(500).send({ error_code: 'INTERNAL_ERROR', message: 'Internal server error; details are in the server log.' })
  })

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(endpointNotFound(request))
  })
}

function endpointNotFound(request: FastifyRequest) {
  return { error_code: 'ENDPOINT_NOT_FOUND', message: `No endpoint ${request.method} ${request.url.split('?')[0]}` }
}
