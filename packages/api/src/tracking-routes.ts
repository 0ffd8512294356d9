import Type, { type Static, type TSchema } from 'typebox'
import { Double, Int64, KeyValueList, StringList, opt } from './schema-helpers.js'

/**
 * The MLflow tracking endpoints Railyard serves, one entry each: method, path below
 * `/api/2.0/mlflow`, and the schema of the request (query string for GET, JSON body otherwise).
 * The server validates against these; the SDK types its calls with them.
 */
export interface Endpoint<S extends TSchema = TSchema> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  /** Extra methods MLflow also accepts on the same path (e.g. GET for experiments/search). */
  alsoMethods?: Array<'GET' | 'POST'>
  path: string
  request: S
}

const endpoint = <S extends TSchema>(e: Endpoint<S>) => e

const RunRef = { run_id: opt(Type.String()), run_uuid: opt(Type.String()) }

export const tracking = {
  createExperiment: endpoint({
    method: 'POST',
    path: '/experiments/create',
    request: Type.Object({
      name: Type.String(),
      artifact_location: opt(Type.String()),
      tags: opt(KeyValueList),
    }),
  }),
  searchExperiments: endpoint({
    method: 'POST',
    alsoMethods: ['GET'],
    path: '/experiments/search',
    request: Type.Object({
      max_results: opt(Int64),
      page_token: opt(Type.String()),
      filter: opt(Type.String()),
      order_by: opt(StringList),
      view_type: opt(Type.String()),
    }),
  }),
  getExperiment: endpoint({
    method: 'GET',
    path: '/experiments/get',
    request: Type.Object({ experiment_id: Type.String() }),
  }),
  getExperimentByName: endpoint({
    method: 'GET',
    path: '/experiments/get-by-name',
    request: Type.Object({ experiment_name: Type.String() }),
  }),
  deleteExperiment: endpoint({
    method: 'POST',
    path: '/experiments/delete',
    request: Type.Object({ experiment_id: Type.String() }),
  }),
  restoreExperiment: endpoint({
    method: 'POST',
    path: '/experiments/restore',
    request: Type.Object({ experiment_id: Type.String() }),
  }),
  updateExperiment: endpoint({
    method: 'POST',
    path: '/experiments/update',
    request: Type.Object({ experiment_id: Type.String(), new_name: opt(Type.String()) }),
  }),
  setExperimentTag: endpoint({
    method: 'POST',
    path: '/experiments/set-experiment-tag',
    request: Type.Object({ experiment_id: Type.String(), key: Type.String(), value: Type.String() }),
  }),
  deleteExperimentTag: endpoint({
    method: 'POST',
    path: '/experiments/delete-experiment-tag',
    request: Type.Object({ experiment_id: Type.String(), key: Type.String() }),
  }),
  createRun: endpoint({
    method: 'POST',
    path: '/runs/create',
    request: Type.Object({
      experiment_id: opt(Type.String()),
      user_id: opt(Type.String()),
      run_name: opt(Type.String()),
      start_time: opt(Int64),
      tags: opt(KeyValueList),
    }),
  }),
  updateRun: endpoint({
    method: 'POST',
    path: '/runs/update',
    request: Type.Object({
      ...RunRef,
      status: opt(Type.String()),
      end_time: opt(Int64),
      run_name: opt(Type.String()),
    }),
  }),
  deleteRun: endpoint({
    method: 'POST',
    path: '/runs/delete',
    request: Type.Object({ run_id: Type.String() }),
  }),
  restoreRun: endpoint({
    method: 'POST',
    path: '/runs/restore',
    request: Type.Object({ run_id: Type.String() }),
  }),
  getRun: endpoint({ method: 'GET', path: '/runs/get', request: Type.Object({ ...RunRef }) }),
  searchRuns: endpoint({
    method: 'POST',
    path: '/runs/search',
    request: Type.Object({
      experiment_ids: opt(StringList),
      filter: opt(Type.String()),
      run_view_type: opt(Type.String()),
      max_results: opt(Int64),
      order_by: opt(StringList),
      page_token: opt(Type.String()),
    }),
  }),
  logMetric: endpoint({
    method: 'POST',
    path: '/runs/log-metric',
    request: Type.Object({
      ...RunRef,
      key: Type.String(),
      value: Double,
      timestamp: Int64,
      step: opt(Int64),
      model_id: opt(Type.String()),
      dataset_name: opt(Type.String()),
      dataset_digest: opt(Type.String()),
    }),
  }),
  logParam: endpoint({
    method: 'POST',
    path: '/runs/log-parameter',
    request: Type.Object({ ...RunRef, key: Type.String(), value: Type.String() }),
  }),
  setTag: endpoint({
    method: 'POST',
    path: '/runs/set-tag',
    request: Type.Object({ ...RunRef, key: Type.String(), value: Type.String() }),
  }),
  deleteTag: endpoint({
    method: 'POST',
    path: '/runs/delete-tag',
    request: Type.Object({ run_id: Type.String(), key: Type.String() }),
  }),
  logBatch: endpoint({
    method: 'POST',
    path: '/runs/log-batch',
    request: Type.Object({
      run_id: Type.String(),
      metrics: opt(
        Type.Array(
          Type.Object({
            key: Type.String(),
            value: Double,
            timestamp: Int64,
            step: opt(Int64),
            // MLflow 3: a metric of a logged model, optionally on a dataset.
            model_id: opt(Type.String()),
            dataset_name: opt(Type.String()),
            dataset_digest: opt(Type.String()),
          }),
        ),
      ),
      params: opt(KeyValueList),
      tags: opt(KeyValueList),
    }),
  }),
  logModel: endpoint({
    method: 'POST',
    path: '/runs/log-model',
    request: Type.Object({ run_id: Type.String(), model_json: Type.String() }),
  }),
  logInputs: endpoint({
    method: 'POST',
    path: '/runs/log-inputs',
    request: Type.Object({
      run_id: Type.String(),
      datasets: opt(
        Type.Array(
          Type.Object({
            tags: opt(KeyValueList),
            dataset: Type.Object({
              name: Type.String(),
              digest: Type.String(),
              source_type: Type.String(),
              source: Type.String(),
              schema: opt(Type.String()),
              profile: opt(Type.String()),
            }),
          }),
        ),
      ),
      // MLflow 3: logged models the run used.
      models: opt(Type.Array(Type.Object({ model_id: Type.String() }))),
    }),
  }),
  getMetricHistory: endpoint({
    method: 'GET',
    path: '/metrics/get-history',
    request: Type.Object({
      ...RunRef,
      metric_key: Type.String(),
      page_token: opt(Type.String()),
      max_results: opt(Int64),
    }),
  }),
  getMetricHistoryBulkInterval: endpoint({
    method: 'GET',
    path: '/metrics/get-history-bulk-interval',
    request: Type.Object({
      run_ids: StringList,
      metric_key: Type.String(),
      start_step: opt(Int64),
      end_step: opt(Int64),
      max_results: opt(Int64),
    }),
  }),
  listArtifacts: endpoint({
    method: 'GET',
    path: '/artifacts/list',
    request: Type.Object({
      ...RunRef,
      path: opt(Type.String()),
      page_token: opt(Type.String()),
    }),
  }),
} as const

export type TrackingEndpoints = typeof tracking
export type RequestOf<K extends keyof TrackingEndpoints> = Static<TrackingEndpoints[K]['request']>
