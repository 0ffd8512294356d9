import type { FastifyInstance, FastifyRequest } from 'fastify'
import { loggedModels, type LoggedModelRequestOf as Req } from '@railyard/api'
import type { LoggedModelsService } from '../services/logged-models.js'
import { mountEndpoints } from '../http/mlflow-routes.js'

type Params = { model_id: string; '*'?: string }
const id = (raw: FastifyRequest) => (raw.params as Params).model_id

/** MLflow 3's logged models and LogOutputs, under /api/2.0/mlflow and /ajax-api/2.0/mlflow. */
export function loggedModelRoutes(app: FastifyInstance, models: LoggedModelsService): void {
  mountEndpoints(app, loggedModels, {
    createLoggedModel: (r: Req<'createLoggedModel'>) => models.create(r),
    getLoggedModel: async (_r: Req<'getLoggedModel'>, raw) => ({ model: await models.get(id(raw)) }),
    finalizeLoggedModel: (r: Req<'finalizeLoggedModel'>, raw) => models.finalize(id(raw), r),
    deleteLoggedModel: (r: Req<'deleteLoggedModel'>, raw) => models.delete(id(raw), r?.model_id ?? undefined),
    searchLoggedModels: (r: Req<'searchLoggedModels'>) => models.search(r),
    setLoggedModelTags: (r: Req<'setLoggedModelTags'>, raw) => models.setTags(id(raw), r),
    deleteLoggedModelTag: (_r: Req<'deleteLoggedModelTag'>, raw) => models.deleteTag(id(raw), (raw.params as Params)['*']),
    logLoggedModelParams: (r: Req<'logLoggedModelParams'>, raw) => models.logParams(id(raw), r),
    listLoggedModelArtifacts: (r: Req<'listLoggedModelArtifacts'>, raw) => models.listArtifacts(id(raw), r),
    logOutputs: (r: Req<'logOutputs'>) => models.logOutputs(r),
  })
}
