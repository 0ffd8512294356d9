import type { FastifyInstance } from 'fastify'
import { tracking, type RequestOf } from '@railyard/api'
import type { ExperimentsService } from '../services/experiments.js'
import { mountEndpoints } from '../http/mlflow-routes.js'

export function experimentRoutes(app: FastifyInstance, experiments: ExperimentsService): void {
  mountEndpoints(app, tracking, {
    createExperiment: (r: RequestOf<'createExperiment'>) => experiments.create(r),
    searchExperiments: (r: RequestOf<'searchExperiments'>) => experiments.search(r),
    getExperiment: async (r: RequestOf<'getExperiment'>) => ({ experiment: await experiments.get(r.experiment_id) }),
    getExperimentByName: async (r: RequestOf<'getExperimentByName'>) => ({
      experiment: await experiments.getByName(r.experiment_name),
    }),
    deleteExperiment: (r: RequestOf<'deleteExperiment'>) => experiments.delete(r.experiment_id),
    restoreExperiment: (r: RequestOf<'restoreExperiment'>) => experiments.restore(r.experiment_id),
    updateExperiment: (r: RequestOf<'updateExperiment'>) => experiments.rename(r.experiment_id, r.new_name),
    setExperimentTag: (r: RequestOf<'setExperimentTag'>) => experiments.setTag(r.experiment_id, r.key, r.value),
    deleteExperimentTag: (r: RequestOf<'deleteExperimentTag'>) => experiments.deleteTag(r.experiment_id, r.key),
  })
}
