import Type, { type Static, type TSchema } from 'typebox'
import { Int64, KeyValueList, StringList, opt } from './schema-helpers.js'
import type { Endpoint } from './tracking-routes.js'

const endpoint = <S extends TSchema>(e: Endpoint<S>) => e

/** MLflow sends version numbers as strings; a number is accepted too. */
const Version = Type.Union([Type.String(), Type.Integer()])

/** Why a change was made; kept in the audit log. Ignored by MLflow clients, which never send it. */
const Reason = { reason: opt(Type.String()) }

const ModelName = { name: Type.String() }
const VersionRef = { name: Type.String(), version: Version }

/**
 * MLflow's model registry endpoints, paths below `/api/2.0/mlflow` (and `/ajax-api/2.0/mlflow`).
 * Errors: RESOURCE_DOES_NOT_EXIST (404) for an unknown model or version, RESOURCE_ALREADY_EXISTS
 * (400) for a taken name, INVALID_PARAMETER_VALUE (400) for bad input, including an unknown alias
 * on `getModelVersionByAlias` (as MLflow answers).
 */
export const registry = {
  createRegisteredModel: endpoint({
    method: 'POST',
    path: '/registered-models/create',
    request: Type.Object({ ...ModelName, tags: opt(KeyValueList), description: opt(Type.String()) }),
  }),
  renameRegisteredModel: endpoint({
    method: 'POST',
    path: '/registered-models/rename',
    request: Type.Object({ ...ModelName, new_name: opt(Type.String()), ...Reason }),
  }),
  updateRegisteredModel: endpoint({
    method: 'PATCH',
    path: '/registered-models/update',
    request: Type.Object({ ...ModelName, description: opt(Type.String()), ...Reason }),
  }),
  deleteRegisteredModel: endpoint({
    method: 'DELETE',
    path: '/registered-models/delete',
    request: Type.Object({ ...ModelName, ...Reason }),
  }),
  getRegisteredModel: endpoint({
    method: 'GET',
    path: '/registered-models/get',
    request: Type.Object({ ...ModelName }),
  }),
  /** Default 100 per page, at most 1000; ordered by name unless `order_by` says otherwise. */
  searchRegisteredModels: endpoint({
    method: 'GET',
    path: '/registered-models/search',
    request: Type.Object({
      filter: opt(Type.String()),
      max_results: opt(Int64),
      order_by: opt(StringList),
      page_token: opt(Type.String()),
    }),
  }),
  /** The newest version in each of `stages` (every stage when empty). */
  getLatestVersions: endpoint({
    method: 'POST',
    alsoMethods: ['GET'],
    path: '/registered-models/get-latest-versions',
    request: Type.Object({ ...ModelName, stages: opt(StringList) }),
  }),
  setRegisteredModelTag: endpoint({
    method: 'POST',
    path: '/registered-models/set-tag',
    request: Type.Object({ ...ModelName, key: Type.String(), value: Type.String() }),
  }),
  deleteRegisteredModelTag: endpoint({
    method: 'DELETE',
    path: '/registered-models/delete-tag',
    request: Type.Object({ ...ModelName, key: Type.String() }),
  }),
  /** Points the alias at the version, moving it from any other version. */
  setRegisteredModelAlias: endpoint({
    method: 'POST',
    path: '/registered-models/alias',
    request: Type.Object({ ...ModelName, alias: Type.String(), version: Version, ...Reason }),
  }),
  deleteRegisteredModelAlias: endpoint({
    method: 'DELETE',
    path: '/registered-models/alias',
    request: Type.Object({ ...ModelName, alias: Type.String(), ...Reason }),
  }),
  getModelVersionByAlias: endpoint({
    method: 'GET',
    path: '/registered-models/alias',
    request: Type.Object({ ...ModelName, alias: Type.String() }),
  }),
  /**
   * Registers files as a new version. `source` is `runs:/RUN_ID/path`, an `mlflow-artifacts:/…`
   * location inside a run's artifacts, or `models:/NAME/VERSION` / `models:/NAME@ALIAS`. The files
   * are copied into registry storage; the version is READY once the copy is complete.
   */
  createModelVersion: endpoint({
    method: 'POST',
    path: '/model-versions/create',
    request: Type.Object({
      ...ModelName,
      source: Type.String(),
      run_id: opt(Type.String()),
      tags: opt(KeyValueList),
      run_link: opt(Type.String()),
      description: opt(Type.String()),
      model_id: opt(Type.String()),
      ...Reason,
    }),
  }),
  updateModelVersion: endpoint({
    method: 'PATCH',
    path: '/model-versions/update',
    request: Type.Object({ ...VersionRef, description: opt(Type.String()), ...Reason }),
  }),
  transitionModelVersionStage: endpoint({
    method: 'POST',
    path: '/model-versions/transition-stage',
    request: Type.Object({
      ...VersionRef,
      stage: Type.String(),
      archive_existing_versions: opt(Type.Boolean()),
      ...Reason,
    }),
  }),
  deleteModelVersion: endpoint({
    method: 'DELETE',
    path: '/model-versions/delete',
    request: Type.Object({ ...VersionRef, ...Reason }),
  }),
  getModelVersion: endpoint({
    method: 'GET',
    path: '/model-versions/get',
    request: Type.Object({ ...VersionRef }),
  }),
  /** Default 10000 per page, at most 200000; ordered by name, then version descending. */
  searchModelVersions: endpoint({
    method: 'GET',
    path: '/model-versions/search',
    request: Type.Object({
      filter: opt(Type.String()),
      max_results: opt(Int64),
      order_by: opt(StringList),
      page_token: opt(Type.String()),
    }),
  }),
  getModelVersionDownloadUri: endpoint({
    method: 'GET',
    path: '/model-versions/get-download-uri',
    request: Type.Object({ ...VersionRef }),
  }),
  setModelVersionTag: endpoint({
    method: 'POST',
    path: '/model-versions/set-tag',
    request: Type.Object({ ...VersionRef, key: Type.String(), value: Type.String() }),
  }),
  deleteModelVersionTag: endpoint({
    method: 'DELETE',
    path: '/model-versions/delete-tag',
    request: Type.Object({ ...VersionRef, key: Type.String() }),
  }),
} as const

/** Railyard's registry endpoints, paths below `/api/2.0/railyard`. */
export const railyardRegistry = {
  /** Version → run → experiment → code commit → params, metrics at registration → dataset inputs. */
  getModelVersionLineage: endpoint({
    method: 'GET',
    path: '/model-versions/lineage',
    request: Type.Object({ ...VersionRef }),
  }),
  /** version_a is the base, version_b the candidate: deltas are b − a. */
  compareModelVersions: endpoint({
    method: 'GET',
    path: '/model-versions/compare',
    request: Type.Object({ name: Type.String(), version_a: Version, version_b: Version }),
  }),
  /** The files of a version's immutable copy: `{tree_oid, files[]}`. */
  listModelVersionFiles: endpoint({
    method: 'GET',
    path: '/model-versions/files',
    request: Type.Object({ ...VersionRef }),
  }),
  /** The raw bytes of one file of a version (not JSON), checked against its content id. */
  getModelVersionFile: endpoint({
    method: 'GET',
    path: '/model-versions/file',
    request: Type.Object({ ...VersionRef, path: Type.String() }),
  }),
  /** The version a `models:/NAME/VERSION`, `models:/NAME@ALIAS`, `models:/NAME/latest` or `models:/NAME/STAGE` URI names. */
  resolveModelUri: endpoint({
    method: 'GET',
    path: '/model-versions/resolve',
    request: Type.Object({ uri: Type.String() }),
  }),
  /** The model's audit log, oldest first; default 1000 entries per page, at most 10000. */
  getRegisteredModelAudit: endpoint({
    method: 'GET',
    path: '/registered-models/audit',
    request: Type.Object({ ...ModelName, max_results: opt(Int64), page_token: opt(Type.String()) }),
  }),
  /** Admin: registers a receiver; without `secret` one is generated and returned once. */
  createWebhook: endpoint({
    method: 'POST',
    path: '/webhooks/create',
    request: Type.Object({
      url: Type.String(),
      events: StringList,
      secret: opt(Type.String()),
      description: opt(Type.String()),
      active: opt(Type.Boolean()),
    }),
  }),
  getWebhook: endpoint({ method: 'GET', path: '/webhooks/get', request: Type.Object({ id: Type.String() }) }),
  listWebhooks: endpoint({ method: 'GET', path: '/webhooks/list', request: Type.Object({}) }),
  updateWebhook: endpoint({
    method: 'PATCH',
    path: '/webhooks/update',
    request: Type.Object({
      id: Type.String(),
      url: opt(Type.String()),
      events: opt(StringList),
      secret: opt(Type.String()),
      description: opt(Type.String()),
      active: opt(Type.Boolean()),
    }),
  }),
  deleteWebhook: endpoint({ method: 'DELETE', path: '/webhooks/delete', request: Type.Object({ id: Type.String() }) }),
  /** Delivery history, newest first; default 100 per page, at most 1000. */
  listWebhookDeliveries: endpoint({
    method: 'GET',
    path: '/webhooks/deliveries',
    request: Type.Object({
      webhook_id: opt(Type.String()),
      status: opt(Type.String()),
      max_results: opt(Int64),
      page_token: opt(Type.String()),
    }),
  }),
} as const

export type RegistryEndpoints = typeof registry
export type RailyardRegistryEndpoints = typeof railyardRegistry
export type RegistryRequestOf<K extends keyof RegistryEndpoints> = Static<RegistryEndpoints[K]['request']>
export type RailyardRegistryRequestOf<K extends keyof RailyardRegistryEndpoints> = Static<
  RailyardRegistryEndpoints[K]['request']
>
