import type { FastifyInstance } from 'fastify'
import { railyardRegistry, registry, type RailyardRegistryRequestOf as RR, type RegistryRequestOf as R } from '@railyard/api'
import { mountEndpoints } from '../http/mlflow-routes.js'
import type { RegistryServices } from '../services/registry.js'
import { actorOf } from './registry-actor.js'
import { refuseDeployedAliasMove, refuseDeployedModelChange, refuseDeployedVersionDelete } from './deployed-alias-guard.js'
import { registryFileRoutes } from './registry-files.js'

export const RAILYARD_PREFIXES = ['/api/2.0/railyard'] as const

/**
 * The model registry: MLflow's endpoints under /api/2.0/mlflow (and /ajax-api/2.0/mlflow),
 * Railyard's extras under /api/2.0/railyard, and the file downloads. Register with
 * `app.register(registryRoutes(services.registry))`; closing the app waits for the registry's
 * background work.
 */
export function registryRoutes(reg: RegistryServices) {
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook('onClose', async () => reg.close())
    const { models, versions } = reg

    mountEndpoints(app, registry, {
      createRegisteredModel: (r: R<'createRegisteredModel'>) => models.create(r),
      renameRegisteredModel: async (r: R<'renameRegisteredModel'>, req) => {
        await refuseDeployedModelChange(req, models, r.name, 'rename')
        return models.rename(r.name, r.new_name, actorOf(req, r.reason))
      },
      updateRegisteredModel: (r: R<'updateRegisteredModel'>, req) =>
        models.updateDescription(r.name, r.description, actorOf(req, r.reason)),
      deleteRegisteredModel: async (r: R<'deleteRegisteredModel'>, req) => {
        await refuseDeployedModelChange(req, models, r.name, 'delete')
        return models.delete(r.name, actorOf(req, r.reason))
      },
      getRegisteredModel: async (r: R<'getRegisteredModel'>) => ({ registered_model: await models.get(r.name) }),
      searchRegisteredModels: (r: R<'searchRegisteredModels'>) => models.search(r),
      getLatestVersions: (r: R<'getLatestVersions'>) => models.latestVersions(r.name, r.stages),
      setRegisteredModelTag: (r: R<'setRegisteredModelTag'>) => models.setTag(r.name, r.key, r.value),
      deleteRegisteredModelTag: (r: R<'deleteRegisteredModelTag'>) => models.deleteTag(r.name, r.key),
      setRegisteredModelAlias: async (r: R<'setRegisteredModelAlias'>, req) => {
        await refuseDeployedAliasMove(req, models, r.name, r.alias)
        return models.setAlias(r.name, r.alias, r.version, actorOf(req, r.reason))
      },
      deleteRegisteredModelAlias: async (r: R<'deleteRegisteredModelAlias'>, req) => {
        await refuseDeployedAliasMove(req, models, r.name, r.alias)
        return models.deleteAlias(r.name, r.alias, actorOf(req, r.reason))
      },
      getModelVersionByAlias: (r: R<'getModelVersionByAlias'>) => models.versionByAlias(r.name, r.alias),
      createModelVersion: (r: R<'createModelVersion'>, req) => versions.create(r, actorOf(req, r.reason)),
      updateModelVersion: (r: R<'updateModelVersion'>, req) =>
        versions.update(r.name, r.version, r.description, actorOf(req, r.reason)),
      transitionModelVersionStage: (r: R<'transitionModelVersionStage'>, req) => versions.transitionStage(r, actorOf(req, r.reason)),
      deleteModelVersion: async (r: R<'deleteModelVersion'>, req) => {
        await refuseDeployedVersionDelete(req, models, r.name, String(r.version))
        return versions.delete(r.name, r.version, actorOf(req, r.reason))
      },
      getModelVersion: async (r: R<'getModelVersion'>) => ({ model_version: await versions.get(r.name, r.version) }),
      searchModelVersions: (r: R<'searchModelVersions'>) => versions.search(r),
      getModelVersionDownloadUri: (r: R<'getModelVersionDownloadUri'>) => reg.files.downloadUri(r.name, r.version),
      setModelVersionTag: (r: R<'setModelVersionTag'>) => versions.setTag(r.name, r.version, r.key, r.value),
      deleteModelVersionTag: (r: R<'deleteModelVersionTag'>) => versions.deleteTag(r.name, r.version, r.key),
    })

    mountEndpoints(
      app,
      railyardRegistry,
      {
        getModelVersionLineage: (r: RR<'getModelVersionLineage'>) => versions.lineage(r.name, r.version),
        compareModelVersions: (r: RR<'compareModelVersions'>) => versions.compare(r.name, r.version_a, r.version_b),
        listModelVersionFiles: (r: RR<'listModelVersionFiles'>) => reg.files.files(r.name, r.version),
        resolveModelUri: (r: RR<'resolveModelUri'>) => versions.resolveUri(r.uri),
        getRegisteredModelAudit: (r: RR<'getRegisteredModelAudit'>) => models.audit(r),
        createWebhook: (r: RR<'createWebhook'>) => reg.webhooks.create(r),
        getWebhook: async (r: RR<'getWebhook'>) => ({ webhook: await reg.webhooks.get(r.id) }),
        listWebhooks: () => reg.webhooks.list(),
        updateWebhook: (r: RR<'updateWebhook'>) => reg.webhooks.update(r),
        deleteWebhook: (r: RR<'deleteWebhook'>) => reg.webhooks.delete(r.id),
        listWebhookDeliveries: (r: RR<'listWebhookDeliveries'>) => reg.webhooks.deliveries(r),
      },
      RAILYARD_PREFIXES,
    )

    registryFileRoutes(app, reg.files)
  }
}
