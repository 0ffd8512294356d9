import type { FastifyInstance, FastifyRequest } from 'fastify'
import { tracking, type RequestOf } from '@railyard/api'
import type { RunsService } from '../services/runs.js'
import { mountEndpoints } from '../http/mlflow-routes.js'
import type { IdentifiedRequest } from './registry-actor.js'

// The token's user under --auth: a run's user is its creator's, and set-tag, log-batch and delete-tag keep it so.
const verifiedUser = (req: FastifyRequest) => (req as FastifyRequest & IdentifiedRequest).identity

export function runRoutes(app: FastifyInstance, runs: RunsService): void {
  mountEndpoints(app, tracking, {
    createRun: (r: RequestOf<'createRun'>, req) => runs.create(r, verifiedUser(req)),
    getRun: async (r: RequestOf<'getRun'>) => ({ run: await runs.get(r) }),
    updateRun: (r: RequestOf<'updateRun'>) => runs.update(r),
    deleteRun: (r: RequestOf<'deleteRun'>) => runs.delete(r.run_id),
    restoreRun: (r: RequestOf<'restoreRun'>) => runs.restore(r.run_id),
    searchRuns: (r: RequestOf<'searchRuns'>) => runs.search(r),
    logMetric: (r: RequestOf<'logMetric'>) => runs.logMetric(r),
    logParam: (r: RequestOf<'logParam'>) => runs.logParam(r),
    setTag: (r: RequestOf<'setTag'>, req) => runs.setTag(r, verifiedUser(req)),
    deleteTag: (r: RequestOf<'deleteTag'>, req) => runs.deleteTag(r.run_id, r.key, verifiedUser(req)),
    logBatch: (r: RequestOf<'logBatch'>, req) => runs.logBatch(r, verifiedUser(req)),
    logModel: (r: RequestOf<'logModel'>) => runs.logModel(r.run_id, r.model_json),
    logInputs: (r: RequestOf<'logInputs'>) => runs.logInputs(r),
    getMetricHistory: (r: RequestOf<'getMetricHistory'>) => runs.metricHistory(r),
    getMetricHistoryBulkInterval: (r: RequestOf<'getMetricHistoryBulkInterval'>) => runs.metricHistoryBulkInterval(r),
  })
}
