import type { FastifyInstance } from 'fastify'
import type { TokenRole } from '@railyard/api'

/** Who may call a route when authentication is on: anyone (`open`), or a token of at least this role. */
export type Access = 'open' | TokenRole

const RANK: Record<TokenRole, number> = { read: 1, write: 2, admin: 3 }

/** True when a token of `role` may call a route that needs `access`. */
export function allows(role: TokenRole, access: Access): boolean {
  return access === 'open' || RANK[role] >= RANK[access]
}

/**
 * Every route the server registers, as `METHOD path` (the path as Fastify registers it; `/ajax-api/`
 * routes are looked up as their `/api/` twins, HEAD as GET). This is the one place that decides
 * who may call what: a route missing here needs `admin` (see accessOf), and route-access.test.ts
 * fails until it is added.
 */
export const ROUTE_ACCESS: Readonly<Record<string, Access>> = {
  // Liveness and the web UI's files: the UI asks for a token itself once the API answers 401.
  'GET /health': 'open',
  'GET /version': 'open',
  'GET /': 'open',
  'GET /assets/*': 'open',
  'GET /experiments': 'open',
  'GET /experiments/*': 'open',
  'GET /runs': 'open',
  'GET /runs/*': 'open',
  'GET /models': 'open',
  'GET /models/*': 'open',
  'GET /datasets': 'open',
  'GET /datasets/*': 'open',

  // Tracking (MLflow).
  'POST /api/2.0/mlflow/experiments/create': 'write',
  'POST /api/2.0/mlflow/experiments/search': 'read',
  'GET /api/2.0/mlflow/experiments/search': 'read',
  'POST /api/2.0/mlflow/experiments/set-experiment-tag': 'write',
  'POST /api/2.0/mlflow/experiments/delete-experiment-tag': 'write',
  'GET /api/2.0/mlflow/experiments/get': 'read',
  'GET /api/2.0/mlflow/experiments/get-by-name': 'read',
  'POST /api/2.0/mlflow/experiments/delete': 'write',
  'POST /api/2.0/mlflow/experiments/restore': 'write',
  'POST /api/2.0/mlflow/experiments/update': 'write',
  'POST /api/2.0/mlflow/runs/create': 'write',
  'GET /api/2.0/mlflow/runs/get': 'read',
  'POST /api/2.0/mlflow/runs/update': 'write',
  'POST /api/2.0/mlflow/runs/delete': 'write',
  'POST /api/2.0/mlflow/runs/delete-tag': 'write',
  'POST /api/2.0/mlflow/runs/restore': 'write',
  'POST /api/2.0/mlflow/runs/search': 'read',
  'POST /api/2.0/mlflow/runs/set-tag': 'write',
  'POST /api/2.0/mlflow/runs/log-metric': 'write',
  'POST /api/2.0/mlflow/runs/log-model': 'write',
  'POST /api/2.0/mlflow/runs/log-parameter': 'write',
  'POST /api/2.0/mlflow/runs/log-batch': 'write',
  'POST /api/2.0/mlflow/runs/log-inputs': 'write',
  'POST /api/2.0/mlflow/runs/outputs': 'write',
  'GET /api/2.0/mlflow/metrics/get-history': 'read',
  'GET /api/2.0/mlflow/metrics/get-history-bulk-interval': 'read',
  'GET /api/2.0/mlflow/artifacts/list': 'read',
  'GET /get-artifact': 'read',
  'GET /api/2.0/railyard/runs/logs': 'read',
  'GET /api/2.0/railyard/runs/logs/stream': 'read',
  'POST /api/2.0/railyard/runs/logs/append': 'write',

  // MLflow 3 logged models.
  'POST /api/2.0/mlflow/logged-models': 'write',
  'POST /api/2.0/mlflow/logged-models/search': 'read',
  'GET /api/2.0/mlflow/logged-models/:model_id': 'read',
  'PATCH /api/2.0/mlflow/logged-models/:model_id': 'write',
  'DELETE /api/2.0/mlflow/logged-models/:model_id': 'write',
  'PATCH /api/2.0/mlflow/logged-models/:model_id/tags': 'write',
  'DELETE /api/2.0/mlflow/logged-models/:model_id/tags/*': 'write',
  'POST /api/2.0/mlflow/logged-models/:model_id/params': 'write',
  'GET /api/2.0/mlflow/logged-models/:model_id/artifacts/directories': 'read',

  // The artifact proxy (mlflow-artifacts).
  'GET /api/2.0/mlflow-artifacts/artifacts': 'read',
  'GET /api/2.0/mlflow-artifacts/artifacts/*': 'read',
  'PUT /api/2.0/mlflow-artifacts/artifacts/*': 'write',
  'DELETE /api/2.0/mlflow-artifacts/artifacts/*': 'write',
  'POST /api/2.0/mlflow-artifacts/mpu/*': 'write',

  // Model registry.
  'POST /api/2.0/mlflow/registered-models/create': 'write',
  'POST /api/2.0/mlflow/registered-models/rename': 'write',
  'PATCH /api/2.0/mlflow/registered-models/update': 'write',
  'DELETE /api/2.0/mlflow/registered-models/delete': 'write',
  'DELETE /api/2.0/mlflow/registered-models/delete-tag': 'write',
  'GET /api/2.0/mlflow/registered-models/get': 'read',
  'POST /api/2.0/mlflow/registered-models/get-latest-versions': 'read',
  'GET /api/2.0/mlflow/registered-models/get-latest-versions': 'read',
  'GET /api/2.0/mlflow/registered-models/search': 'read',
  'POST /api/2.0/mlflow/registered-models/set-tag': 'write',
  'POST /api/2.0/mlflow/registered-models/alias': 'write',
  'DELETE /api/2.0/mlflow/registered-models/alias': 'write',
  'GET /api/2.0/mlflow/registered-models/alias': 'read',
  'POST /api/2.0/mlflow/model-versions/create': 'write',
  'PATCH /api/2.0/mlflow/model-versions/update': 'write',
  'POST /api/2.0/mlflow/model-versions/transition-stage': 'write',
  'DELETE /api/2.0/mlflow/model-versions/delete': 'write',
  'DELETE /api/2.0/mlflow/model-versions/delete-tag': 'write',
  'GET /api/2.0/mlflow/model-versions/get': 'read',
  'GET /api/2.0/mlflow/model-versions/get-download-uri': 'read',
  'GET /api/2.0/mlflow/model-versions/search': 'read',
  'POST /api/2.0/mlflow/model-versions/set-tag': 'write',
  'GET /api/2.0/railyard/registered-models/audit': 'read',
  'GET /api/2.0/railyard/model-versions/lineage': 'read',
  'GET /api/2.0/railyard/model-versions/compare': 'read',
  'GET /api/2.0/railyard/model-versions/file': 'read',
  'GET /api/2.0/railyard/model-versions/files': 'read',
  'GET /api/2.0/railyard/model-versions/resolve': 'read',
  'GET /model-versions/get-artifact': 'read',
  'GET /api/2.0/railyard/trees/mlflow-artifacts/artifacts': 'read',
  'GET /api/2.0/railyard/trees/mlflow-artifacts/artifacts/*': 'read',

  // Continuous delivery.
  'POST /api/2.0/railyard/gates/record': 'write',
  'GET /api/2.0/railyard/gates/get': 'read',
  'GET /api/2.0/railyard/gates/list': 'read',
  'GET /api/2.0/railyard/deployments': 'read',
  'POST /api/2.0/railyard/deployments/deploy': 'write',
  'POST /api/2.0/railyard/deployments/rollback': 'write',

  // Data versioning. Datastores hold credentials (or references to them): admin changes them.
  'POST /api/2.0/railyard/datastores/create': 'admin',
  'GET /api/2.0/railyard/datastores/get': 'read',
  'GET /api/2.0/railyard/datastores/list': 'read',
  'DELETE /api/2.0/railyard/datastores/delete': 'admin',
  'POST /api/2.0/railyard/datasets/create': 'write',
  'GET /api/2.0/railyard/datasets/get': 'read',
  'DELETE /api/2.0/railyard/datasets/delete': 'write',
  'GET /api/2.0/railyard/datasets/list': 'read',
  'GET /api/2.0/railyard/datasets/versions/get': 'read',
  'GET /api/2.0/railyard/datasets/versions/list': 'read',
  'GET /api/2.0/railyard/datasets/versions/diff': 'read',
  'GET /api/2.0/railyard/datasets/versions/file': 'read',
  'GET /api/2.0/railyard/datasets/versions/files': 'read',
  'GET /api/2.0/railyard/datasets/versions/files/stream': 'read',
  'POST /api/2.0/railyard/datasets/versions/files/read': 'read',
  // Re-reads the files and reports; changes nothing.
  'POST /api/2.0/railyard/datasets/versions/verify': 'read',
  // Freezes the run's experiment to a version on first use.
  'POST /api/2.0/railyard/datasets/resolve': 'write',
  'POST /api/2.0/railyard/datasets/refresh': 'write',
  'GET /api/2.0/railyard/datasets/freezes': 'read',
  'GET /api/2.0/railyard/datasets/freezes/history': 'read',
  'POST /api/2.0/railyard/datasets/snapshot': 'write',

  // Administration.
  'POST /api/2.0/railyard/webhooks/create': 'admin',
  'GET /api/2.0/railyard/webhooks/get': 'admin',
  'GET /api/2.0/railyard/webhooks/list': 'admin',
  'PATCH /api/2.0/railyard/webhooks/update': 'admin',
  'DELETE /api/2.0/railyard/webhooks/delete': 'admin',
  'GET /api/2.0/railyard/webhooks/deliveries': 'admin',
  'POST /api/2.0/railyard/tokens/create': 'admin',
  'GET /api/2.0/railyard/tokens/list': 'admin',
  'POST /api/2.0/railyard/tokens/revoke': 'admin',
}

/** The table's key for a route: HEAD is GET's, `/ajax-api/` is `/api/`. */
export function routeKey(method: string, url: string): string {
  return `${method === 'HEAD' ? 'GET' : method} ${url.replace(/^\/ajax-api\//, '/api/')}`
}

/** Who may call the route; one the table does not list needs `admin` (fail closed). */
export function accessOf(method: string, url: string): Access {
  return ROUTE_ACCESS[routeKey(method, url)] ?? 'admin'
}

/** One registered route and the access the table gives it. */
export interface RouteAccess {
  method: string
  url: string
  access: Access
  /** False when the table does not list the route and it fell back to `admin`. */
  listed: boolean
}

/**
 * Stamps every route registered from now on with its access (`routeOptions.config.access`), so a
 * request finds it without a lookup, and records it in `routes`. Call before registering routes.
 */
export function classifyRoutes(app: FastifyInstance, routes: RouteAccess[] = []): RouteAccess[] {
  app.addHook('onRoute', (opts) => {
    const url = opts.url ?? opts.path
    for (const method of [opts.method].flat()) {
      const listed = routeKey(method, url) in ROUTE_ACCESS
      routes.push({ method, url, access: accessOf(method, url), listed })
    }
    // A route answering several methods with different access would need splitting; none does.
    const access = [opts.method].flat().map((m) => accessOf(m, url))
    opts.config = { ...(opts.config as object), access: access.sort((a, b) => rank(b) - rank(a))[0] }
  })
  return routes
}

function rank(a: Access): number {
  return a === 'open' ? 0 : RANK[a]
}
