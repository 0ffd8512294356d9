import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Log } from './deployer.js'
import type { ModelSlot } from './model-slot.js'
import { installErrorHandler } from './error-handler.js'
import { installJsonBody } from './json-body.js'
import { scoringRoutes } from './routes/scoring.js'
import { statusRoutes } from './routes/status.js'
import { reloadRoute, type ReloadOptions } from './routes/reload.js'

export interface ServingAppOptions {
  /** The version(s) served; swaps happen on it from outside (a follower, a cluster primary). */
  slot: ModelSlot
  /** `POST /-/reload` (registry webhook pushes); off unless it has a secret. */
  reload?: ReloadOptions
  /** Largest request body, in bytes. Default 32 MiB. */
  bodyLimit?: number
  /** Where model failures (with their stacks) are logged. Default: stderr. */
  log?: Log
  /** Fastify's logger option. Default: off. */
  logger?: FastifyServerOptions['logger']
}

/** The serving HTTP app, without listen(): scoring, status and reload routes over a ModelSlot. */
export async function buildServingApp(opts: ServingAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimit ?? 32 * 1024 * 1024,
    // Keep-alive clients (load balancers) hold connections open; close() must not wait for them.
    forceCloseConnections: 'idle',
    // POST /invocations/ is POST /invocations (MLflow's server redirects it), and so for every route.
    routerOptions: { ignoreTrailingSlash: true },
  })
  installJsonBody(app)
  installErrorHandler(app, opts.log ?? ((level, message) => process.stderr.write(`railyard serve ${level}: ${message}\n`)))
  await app.register(scoringRoutes(opts.slot))
  await app.register(statusRoutes(opts.slot))
  await app.register(reloadRoute(opts.reload ?? { onReload: () => undefined }))
  return app
}
