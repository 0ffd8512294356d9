import Fastify, { type FastifyInstance } from 'fastify'
import type { ServerConfig } from './config.js'
import { Store } from './store/store.js'
import { createServices, type Services } from './services/index.js'
import { parseJsonBody } from './http/json-body.js'
import { validatorCompiler } from './http/validator.js'
import { installErrorHandler } from './http/error-handler.js'
import { experimentRoutes } from './routes/experiments.js'
import { runRoutes } from './routes/runs.js'
import { artifactRoutes } from './routes/artifacts.js'
import { runLogRoutes } from './routes/run-logs.js'
import { healthRoutes } from './routes/health.js'
import { registryRoutes } from './routes/registry.js'
import { datasetRoutes } from './routes/datasets.js'
import { deliveryRoutes } from './routes/delivery.js'
import { uiRoutes } from './routes/ui.js'
import { loggedModelRoutes } from './routes/logged-models.js'
import { tokenRoutes } from './routes/tokens.js'
import { classifyRoutes, type RouteAccess } from './auth/route-access.js'
import { installAuthentication } from './auth/authenticate.js'

export interface App {
  app: FastifyInstance
  store: Store
  services: Services
  /** Every route registered and who may call it when authentication is on. */
  routes: RouteAccess[]
  /** Stops the HTTP server and closes the store. */
  close(): Promise<void>
}

/** The whole server without listen(): tests use inject() or listen on port 0; main.ts listens. */
export async function buildApp(config: ServerConfig): Promise<App> {
  const store = await Store.open(config.backendStoreUri)
  const services = await createServices(store, config)
  const app = Fastify({
    logger: config.logger ?? false,
    // Dataset profiles may be 16 MB; artifact uploads stream and are not bound by this.
    bodyLimit: 32 * 1024 * 1024,
    // The MLflow Python client sends a JSON body with DELETE.
    routerOptions: { ignoreTrailingSlash: true },
  })
  app.setValidatorCompiler(validatorCompiler)
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string))
    } catch (err) {
      done(err as Error, undefined)
    }
  })
  installErrorHandler(app)
  // Costs nothing per request: the access is looked up once, when each route is registered.
  const routes = classifyRoutes(app)
  if (config.auth) installAuthentication(app, services.tokens)

  healthRoutes(app)
  experimentRoutes(app, services.experiments)
  runRoutes(app, services.runs)
  app.register(artifactRoutes(services.artifacts, services.registry.files))
  runLogRoutes(app, services.runLogs)
  app.register(registryRoutes(services.registry))
  app.register(datasetRoutes(services.datasets))
  deliveryRoutes(app, services.delivery)
  loggedModelRoutes(app, services.loggedModels)
  tokenRoutes(app, services.tokens)
  app.register(uiRoutes())

  await app.ready()
  return {
    app,
    store,
    services,
    routes,
    async close() {
      await app.close()
      await store.close()
    },
  }
}
