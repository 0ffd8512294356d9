import type { FastifyInstance } from 'fastify'
import { DATASET_PREFIXES, datasetEndpoints, type DatasetRequestOf as D } from '@railyard/api'
import { mountEndpoints } from '../http/mlflow-routes.js'
import type { DatasetServices } from '../services/datasets/dataset-services.js'
import { actorOf } from './registry-actor.js'
import { datasetStreamRoutes } from './dataset-streams.js'
import { refuseTableDataset } from './table-dataset-guard.js'

/**
 * Data versioning under /api/2.0/railyard (and /ajax-api/2.0/railyard): datastores, datasets,
 * versions, files and experiment freezes. Register with `app.register(datasetRoutes(services.datasets))`.
 */
export function datasetRoutes(ds: DatasetServices) {
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook('onClose', async () => ds.close())
    const who = (req: Parameters<typeof actorOf>[0]) => actorOf(req).who

    mountEndpoints(
      app,
      datasetEndpoints,
      {
        createDatastore: async (r: D<'createDatastore'>, req) => ({ datastore: await ds.datastores.create(r, who(req)) }),
        getDatastore: async (r: D<'getDatastore'>) => ({ datastore: await ds.datastores.get(r.name) }),
        listDatastores: (r: D<'listDatastores'>) => ds.datastores.list(r),
        deleteDatastore: (r: D<'deleteDatastore'>) => ds.datastores.delete(r.name),
        createDataset: async (r: D<'createDataset'>, req) => {
          refuseTableDataset(req, r.table)
          return { dataset: await ds.definitions.create(r, who(req)) }
        },
        getDataset: async (r: D<'getDataset'>) => ({ dataset: await ds.definitions.get(r.name) }),
        deleteDataset: (r: D<'deleteDataset'>) => ds.definitions.delete(r.name),
        listDatasets: (r: D<'listDatasets'>) => ds.definitions.list(r),
        getDatasetVersion: async (r: D<'getDatasetVersion'>) => ({ version: await ds.getVersion(r) }),
        listDatasetVersions: (r: D<'listDatasetVersions'>) => ds.listVersions(r),
        diffDatasetVersions: (r: D<'diffDatasetVersions'>) => ds.diff(r),
        listDatasetFiles: (r: D<'listDatasetFiles'>) => ds.listFiles(r),
        verifyDatasetVersion: (r: D<'verifyDatasetVersion'>) => ds.verify(r),
        resolveDataset: (r: D<'resolveDataset'>, req) => ds.resolve(r, actorOf(req)),
        refreshDatasetFreeze: (r: D<'refreshDatasetFreeze'>, req) => ds.refresh(r, actorOf(req, r.reason)),
        listDatasetFreezes: (r: D<'listDatasetFreezes'>) => ds.freezes.list(r),
        getDatasetFreezeHistory: (r: D<'getDatasetFreezeHistory'>) => ds.freezes.history(r),
      },
      DATASET_PREFIXES,
    )
    datasetStreamRoutes(app, ds)
  }
}
