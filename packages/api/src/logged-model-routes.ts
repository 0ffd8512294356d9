import Type, { type Static, type TSchema } from 'typebox'
import { Int64, KeyValueList, StringList, opt } from './schema-helpers.js'
import type { Endpoint } from './tracking-routes.js'

const endpoint = <S extends TSchema>(e: Endpoint<S>) => e

/** A DELETE body that may be absent: MLflow's client sends none for some deletes. */
const NoBodyOr = <S extends TSchema>(body: S) => Type.Union([body, Type.Null()])

/**
 * MLflow 3's logged-model endpoints, below `/api/2.0/mlflow` like the rest of tracking
 * (service.proto declares them `since 2.0`). `:model_id` is a path parameter; MLflow's client
 * also repeats it in the body of some calls, which is accepted and must agree. The status of a
 * finalize is an enum name (`LOGGED_MODEL_READY`) or its number.
 */
export const loggedModels = {
  createLoggedModel: endpoint({
    method: 'POST',
    path: '/logged-models',
    request: Type.Object({
      experiment_id: Type.String(),
      name: opt(Type.String()),
      model_type: opt(Type.String()),
      source_run_id: opt(Type.String()),
      params: opt(KeyValueList),
      tags: opt(KeyValueList),
    }),
  }),
  getLoggedModel: endpoint({
    method: 'GET',
    path: '/logged-models/:model_id',
    request: Type.Object({ model_id: opt(Type.String()) }),
  }),
  finalizeLoggedModel: endpoint({
    method: 'PATCH',
    path: '/logged-models/:model_id',
    request: Type.Object({
      model_id: opt(Type.String()),
      status: Type.Union([Type.String(), Type.Integer()]),
    }),
  }),
  deleteLoggedModel: endpoint({
    method: 'DELETE',
    path: '/logged-models/:model_id',
    request: NoBodyOr(Type.Object({ model_id: opt(Type.String()) })),
  }),
  searchLoggedModels: endpoint({
    method: 'POST',
    path: '/logged-models/search',
    request: Type.Object({
      experiment_ids: opt(StringList),
      filter: opt(Type.String()),
      datasets: opt(
        Type.Array(Type.Object({ dataset_name: Type.String(), dataset_digest: opt(Type.String()) })),
      ),
      max_results: opt(Int64),
      order_by: opt(
        Type.Array(
          Type.Object({
            field_name: Type.String(),
            ascending: opt(Type.Boolean()),
            dataset_name: opt(Type.String()),
            dataset_digest: opt(Type.String()),
          }),
        ),
      ),
      page_token: opt(Type.String()),
    }),
  }),
  setLoggedModelTags: endpoint({
    method: 'PATCH',
    path: '/logged-models/:model_id/tags',
    request: Type.Object({ model_id: opt(Type.String()), tags: opt(KeyValueList) }),
  }),
  deleteLoggedModelTag: endpoint({
    method: 'DELETE',
    // The key is the rest of the path: MLflow's client puts it there unencoded, slashes included.
    path: '/logged-models/:model_id/tags/*',
    request: NoBodyOr(Type.Object({ model_id: opt(Type.String()) })),
  }),
  logLoggedModelParams: endpoint({
    method: 'POST',
    path: '/logged-models/:model_id/params',
    request: Type.Object({ model_id: opt(Type.String()), params: opt(KeyValueList) }),
  }),
  listLoggedModelArtifacts: endpoint({
    method: 'GET',
    path: '/logged-models/:model_id/artifacts/directories',
    request: Type.Object({ artifact_directory_path: opt(Type.String()), page_token: opt(Type.String()) }),
  }),
  /** LogOutputs: the logged models a run produced (MLflow 3's `log_model` calls it). */
  logOutputs: endpoint({
    method: 'POST',
    path: '/runs/outputs',
    request: Type.Object({
      run_id: Type.String(),
      models: opt(Type.Array(Type.Object({ model_id: Type.String(), step: Int64 }))),
    }),
  }),
} as const

export type LoggedModelEndpoints = typeof loggedModels
export type LoggedModelRequestOf<K extends keyof LoggedModelEndpoints> = Static<LoggedModelEndpoints[K]['request']>
