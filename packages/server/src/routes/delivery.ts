import type { FastifyInstance } from 'fastify'
import { cdEndpoints, CD_PREFIXES, type CdRequestOf as R } from '@railyard/api'
import { mountEndpoints } from '../http/mlflow-routes.js'
import type { DeliveryServices } from '../services/delivery.js'
import { actorOf } from './registry-actor.js'
import { refuseForcedDeploy } from './deployed-alias-guard.js'

/** Gate results and deployments, below /api/2.0/railyard (and /ajax-api/2.0/railyard for the UI). */
export function deliveryRoutes(app: FastifyInstance, delivery: DeliveryServices): void {
  const { gates, deployments } = delivery
  mountEndpoints(
    app,
    cdEndpoints,
    {
      recordGateResult: (r: R<'recordGateResult'>, req) => gates.record(r, actorOf(req)),
      getGateResult: (r: R<'getGateResult'>) => gates.get(r.id),
      listGateResults: (r: R<'listGateResults'>) => gates.list(r),
      deploy: (r: R<'deploy'>, req) => {
        refuseForcedDeploy(req, r.force)
        return deployments.deploy(r, actorOf(req, r.reason))
      },
      rollback: (r: R<'rollback'>, req) => deployments.rollback(r, actorOf(req, r.reason)),
      listDeployments: (r: R<'listDeployments'>) => deployments.list(r),
    },
    CD_PREFIXES,
  )
}
