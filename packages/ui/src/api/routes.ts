/**
 * The endpoints the UI calls: method and path exactly as @railyard/api's tables spell them
 * (test/routes.test.ts compares every entry with the contract). They are copied rather than
 * imported because the tables are built with typebox, which would add ~80 KB to the page for
 * nothing but these strings.
 */
export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  path: string
}

/** MLflow's prefix: tracking and the MLflow half of the registry. */
export const MLFLOW_PREFIX = '/api/2.0/mlflow'
/** Railyard's own endpoints: run logs, registry extras, continuous delivery, datasets. */
export const RAILYARD_PREFIX = '/api/2.0/railyard'

const get = (path: string): Route => ({ method: 'GET', path })
const post = (path: string): Route => ({ method: 'POST', path })
const patch = (path: string): Route => ({ method: 'PATCH', path })
const del = (path: string): Route => ({ method: 'DELETE', path })

/** Every tracking endpoint (the SDK's RunsClient and ExperimentsClient may call any of them). */
export const trackingRoutes = {
  createExperiment: post('/experiments/create'),
  searchExperiments: post('/experiments/search'),
  getExperiment: get('/experiments/get'),
  getExperimentByName: get('/experiments/get-by-name'),
  deleteExperiment: post('/experiments/delete'),
  restoreExperiment: post('/experiments/restore'),
  updateExperiment: post('/experiments/update'),
  setExperimentTag: post('/experiments/set-experiment-tag'),
  deleteExperimentTag: post('/experiments/delete-experiment-tag'),
  createRun: post('/runs/create'),
  updateRun: post('/runs/update'),
  deleteRun: post('/runs/delete'),
  restoreRun: post('/runs/restore'),
  getRun: get('/runs/get'),
  searchRuns: post('/runs/search'),
  logMetric: post('/runs/log-metric'),
  logParam: post('/runs/log-parameter'),
  setTag: post('/runs/set-tag'),
  deleteTag: post('/runs/delete-tag'),
  logBatch: post('/runs/log-batch'),
  logModel: post('/runs/log-model'),
  logInputs: post('/runs/log-inputs'),
  getMetricHistory: get('/metrics/get-history'),
  getMetricHistoryBulkInterval: get('/metrics/get-history-bulk-interval'),
  listArtifacts: get('/artifacts/list'),
}

export const registryRoutes = {
  searchRegisteredModels: get('/registered-models/search'),
  getRegisteredModel: get('/registered-models/get'),
  getModelVersion: get('/model-versions/get'),
  searchModelVersions: get('/model-versions/search'),
  setRegisteredModelAlias: post('/registered-models/alias'),
  deleteRegisteredModelAlias: del('/registered-models/alias'),
  updateModelVersion: patch('/model-versions/update'),
}

export const railyardRegistryRoutes = {
  getModelVersionLineage: get('/model-versions/lineage'),
  compareModelVersions: get('/model-versions/compare'),
  listModelVersionFiles: get('/model-versions/files'),
  getModelVersionFile: get('/model-versions/file'),
  getRegisteredModelAudit: get('/registered-models/audit'),
}

export const cdRoutes = {
  getGateResult: get('/gates/get'),
  listGateResults: get('/gates/list'),
  listDeployments: get('/deployments'),
}

export const datasetRoutes = {
  getDatastore: get('/datastores/get'),
  listDatastores: get('/datastores/list'),
  getDataset: get('/datasets/get'),
  listDatasets: get('/datasets/list'),
  getDatasetVersion: get('/datasets/versions/get'),
  listDatasetVersions: get('/datasets/versions/list'),
  diffDatasetVersions: get('/datasets/versions/diff'),
  listDatasetFiles: get('/datasets/versions/files'),
  readDatasetFile: get('/datasets/versions/file'),
  listDatasetFreezes: get('/datasets/freezes'),
  getDatasetFreezeHistory: get('/datasets/freezes/history'),
}

export const runLogRoutes = {
  getRunLogs: get('/runs/logs'),
  streamRunLogs: get('/runs/logs/stream'),
}
