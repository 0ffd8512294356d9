import type { FastifyInstance } from 'fastify'
import { JS_FLAVOR } from '@railyard/api'
import type { ModelSlot } from '../model-slot.js'
import { nameVersion } from './scoring.js'

/**
 * `GET /ping` (200 once a version is loaded, 503 before: for load balancers), `GET /health` (the
 * model state and the last failed swap) and `GET /version` (what is served and where it came from).
 */
export function statusRoutes(slot: ModelSlot) {
  return async (app: FastifyInstance) => {
    app.get('/ping', async (_req, reply) => {
      const v = slot.current
      if (!v) return reply.status(503).type('text/plain').send('no model loaded\n')
      nameVersion(reply, v)
      return reply.type('text/plain').send('\n')
    })

    app.get('/health', async (_req, reply) => {
      const v = slot.current
      const { wanted, lastSwapError, pollError } = slot.status
      const status = !v ? 'unavailable' : (wanted !== undefined && wanted !== v.target.version) || pollError ? 'degraded' : 'ok'
      if (v) nameVersion(reply, v)
      return reply.status(v ? 200 : 503).send({
        status,
        model: v
          ? { name: v.target.name, version: v.target.version, alias: v.target.alias, uri: v.target.uri, loaded_since: v.since.toISOString() }
          : null,
        wanted_version: wanted ?? null,
        last_swap_error: lastSwapError ?? null,
        poll_error: pollError ?? null,
        swaps: slot.swaps,
        in_flight: v?.activeRequests ?? 0,
        pid: process.pid,
      })
    })

    app.get('/version', async (_req, reply) => {
      const v = slot.current
      if (!v) return reply.status(503).send({ error_code: 'TEMPORARILY_UNAVAILABLE', message: 'No model version is loaded yet; see GET /health' })
      nameVersion(reply, v)
      const t = v.target
      const flavors = Object.keys(v.predictor.manifest.flavors)
      return {
        model_name: t.name,
        model_version: t.version,
        run_id: t.runId ?? null,
        alias: t.alias ?? null,
        model_uri: t.uri,
        dataset_versions: t.datasets,
        loaded_since: v.since.toISOString(),
        flavor: flavors.includes(JS_FLAVOR) ? JS_FLAVOR : flavors[0] ?? null,
      }
    })
  }
}
