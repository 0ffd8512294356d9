import type { FastifyInstance } from 'fastify'

export const VERSION = '0.1.0'

/** MLflow's plain-text probes, which load balancers and clients call. */
export function healthRoutes(app: FastifyInstance): void {
  app.get('/health', async (_req, reply) => reply.type('text/plain').send('OK'))
  app.get('/version', async (_req, reply) => reply.type('text/plain').send(VERSION))
}
