import {
  ApiError,
  railyardRegistry,
  registry,
  type AuditEntry,
  type ModelVersion,
  type ModelVersionComparison,
  type ModelVersionFiles,
  type ModelVersionLineage,
  type RailyardRegistryEndpoints,
  type RailyardRegistryRequestOf,
  type RegisteredModel,
  type RegistryEndpoints,
  type RegistryRequestOf,
  type Tag,
} from '@railyard/api'
import type { RailyardClient } from '../client.js'
import { queryString, type HttpMethod, type Transport } from '../http.js'
import { MLFLOW_PREFIX } from '../call.js'
import type { Page } from '../responses.js'
import { sleep } from '../retry.js'

/** Railyard's own endpoints live here, below the tracking URI. */
export const RAILYARD_PREFIX = '/api/2.0/railyard'

type Empty = Record<string, never>
type Version = string | number

/** What each MLflow registry endpoint answers (empty lists and unset fields are left out). */
export interface RegistryResponses {
  createRegisteredModel: { registered_model: RegisteredModel }
  renameRegisteredModel: { registered_model: RegisteredModel }
  updateRegisteredModel: { registered_model: RegisteredModel }
  deleteRegisteredModel: Empty
  getRegisteredModel: { registered_model: RegisteredModel }
  searchRegisteredModels: { registered_models?: RegisteredModel[]; next_page_token?: string }
  getLatestVersions: { model_versions?: ModelVersion[] }
  setRegisteredModelTag: Empty
  deleteRegisteredModelTag: Empty
  setRegisteredModelAlias: Empty
  deleteRegisteredModelAlias: Empty
  getModelVersionByAlias: { model_version: ModelVersion }
  createModelVersion: { model_version: ModelVersion }
  updateModelVersion: { model_version: ModelVersion }
  transitionModelVersionStage: { model_version: ModelVersion }
  deleteModelVersion: Empty
  getModelVersion: { model_version: ModelVersion }
  searchModelVersions: { model_versions?: ModelVersion[]; next_page_token?: string }
  getModelVersionDownloadUri: { artifact_uri: string }
  setModelVersionTag: Empty
  deleteModelVersionTag: Empty
}

/** What each Railyard registry endpoint answers (the JSON ones). */
export interface RailyardRegistryResponses {
  getModelVersionLineage: ModelVersionLineage
  compareModelVersions: ModelVersionComparison
  listModelVersionFiles: ModelVersionFiles
  getModelVersionFile: never
  resolveModelUri: { model_version: ModelVersion }
  getRegisteredModelAudit: { entries?: AuditEntry[]; next_page_token?: string }
  createWebhook: unknown
  getWebhook: unknown
  listWebhooks: unknown
  updateWebhook: unknown
  deleteWebhook: unknown
  listWebhookDeliveries: unknown
}

// Fail to compile when the contract gains an endpoint without a response type here.
export const registryResponsesCoverEveryEndpoint: [Exclude<keyof RegistryEndpoints, keyof RegistryResponses>] extends [never] ? true : never = true
export const railyardResponsesCoverEveryEndpoint: [Exclude<keyof RailyardRegistryEndpoints, keyof RailyardRegistryResponses>] extends [never]
  ? true
  : never = true

export interface WaitOptions {
  /** How long to wait for READY, in milliseconds. Default 300 000. */
  timeoutMs?: number
  /** Time between polls, in milliseconds. Default 250. */
  intervalMs?: number
}

/**
 * The model registry: MLflow's registered-models and model-versions endpoints, plus Railyard's
 * URI resolution, version files, lineage, comparison and audit log. Changes are attributed, in the
 * audit log, to the local OS user (the `X-Railyard-User` header) unless the server knows better.
 * Errors are the @railyard/api classes: an unknown model or version is NotFoundError, a taken name
 * AlreadyExistsError, bad input InvalidParameterError; an unreachable server ConnectionError.
 */
export class ModelRegistryClient {
  private readonly transport: Transport

  constructor(client: RailyardClient) {
    this.transport = client.transport
  }

  /** Any MLflow registry endpoint, by name. */
  call<K extends keyof RegistryEndpoints>(name: K, request: RegistryRequestOf<K>): Promise<RegistryResponses[K]> {
    const ep = registry[name]
    return this.json(ep.method, MLFLOW_PREFIX + ep.path, request)
  }

  /** Any Railyard registry endpoint, by name. */
  callRailyard<K extends keyof RailyardRegistryEndpoints>(
    name: K,
    request: RailyardRegistryRequestOf<K>,
  ): Promise<RailyardRegistryResponses[K]> {
    const ep = railyardRegistry[name]
    return this.json(ep.method, RAILYARD_PREFIX + ep.path, request)
  }

  // ---- registered models ----

  /** AlreadyExistsError when the name is taken. */
  async createModel(name: string, opts: { description?: string; tags?: Record<string, string> } = {}): Promise<RegisteredModel> {
    const res = await this.call('createRegisteredModel', { name, description: opts.description, tags: toTags(opts.tags) })
    return res.registered_model
  }

  async getModel(name: string): Promise<RegisteredModel> {
    return (await this.call('getRegisteredModel', { name })).registered_model
  }

  /** One page of models (MLflow's filter grammar, e.g. `name LIKE 'tweet%'`). */
  async searchModels(opts: { filter?: string; maxResults?: number; orderBy?: string[]; pageToken?: string } = {}): Promise<Page<RegisteredModel>> {
    const res = await this.call('searchRegisteredModels', {
      filter: opts.filter,
      max_results: opts.maxResults,
      order_by: opts.orderBy,
      page_token: opts.pageToken,
    })
    return { items: res.registered_models ?? [], nextPageToken: res.next_page_token }
  }

  async *searchAllModels(opts: { filter?: string; pageSize?: number; orderBy?: string[] } = {}): AsyncGenerator<RegisteredModel> {
    let pageToken: string | undefined
    do {
      const page = await this.searchModels({ ...opts, maxResults: opts.pageSize, pageToken })
      yield* page.items
      pageToken = page.nextPageToken
    } while (pageToken)
  }

  async updateModel(name: string, description: string, reason?: string): Promise<RegisteredModel> {
    return (await this.call('updateRegisteredModel', { name, description, reason })).registered_model
  }

  async deleteModel(name: string, reason?: string): Promise<void> {
    await this.call('deleteRegisteredModel', { name, reason })
  }

  // ---- versions ----

  /**
   * Registers `source` (`runs:/RUN_ID/path`, a run's `mlflow-artifacts:` location, or `models:/…`)
   * as the model's next version. The answer may still be PENDING_REGISTRATION: see `waitUntilReady`.
   */
  async createVersion(req: {
    name: string
    source: string
    runId?: string
    description?: string
    tags?: Record<string, string>
    /** Why, for the audit log. */
    reason?: string
  }): Promise<ModelVersion> {
    const res = await this.call('createModelVersion', {
      name: req.name,
      source: req.source,
      run_id: req.runId,
      description: req.description,
      tags: toTags(req.tags),
      reason: req.reason,
    })
    return res.model_version
  }

  async getVersion(name: string, version: Version): Promise<ModelVersion> {
    return (await this.call('getModelVersion', { name, version: String(version) })).model_version
  }

  /**
   * Polls until the version is READY and returns it. Error when registration failed (with the
   * server's status message) or did not finish within the timeout.
   */
  async waitUntilReady(name: string, version: Version, opts: WaitOptions = {}): Promise<ModelVersion> {
    const deadline = Date.now() + (opts.timeoutMs ?? 300_000)
    for (;;) {
      const mv = await this.getVersion(name, version)
      if (mv.status === 'READY') return mv
      if (mv.status === 'FAILED_REGISTRATION') {
        throw new ApiError('INTERNAL_ERROR', `Registration of ${name} version ${mv.version} failed: ${mv.status_message ?? 'no reason given'}`)
      }
      if (Date.now() >= deadline) {
        throw new ApiError('TEMPORARILY_UNAVAILABLE', `${name} version ${mv.version} is still ${mv.status} after ${opts.timeoutMs ?? 300_000} ms`)
      }
      await sleep(opts.intervalMs ?? 250)
    }
  }

  /** One page of versions (e.g. filter `name = 'tweets'`), newest first within a model. */
  async searchVersions(opts: { filter?: string; maxResults?: number; orderBy?: string[]; pageToken?: string } = {}): Promise<Page<ModelVersion>> {
    const res = await this.call('searchModelVersions', {
      filter: opts.filter,
      max_results: opts.maxResults,
      order_by: opts.orderBy,
      page_token: opts.pageToken,
    })
    return { items: res.model_versions ?? [], nextPageToken: res.next_page_token }
  }

  async *searchAllVersions(opts: { filter?: string; pageSize?: number; orderBy?: string[] } = {}): AsyncGenerator<ModelVersion> {
    let pageToken: string | undefined
    do {
      const page = await this.searchVersions({ ...opts, maxResults: opts.pageSize, pageToken })
      yield* page.items
      pageToken = page.nextPageToken
    } while (pageToken)
  }

  async updateVersion(name: string, version: Version, description: string, reason?: string): Promise<ModelVersion> {
    return (await this.call('updateModelVersion', { name, version: String(version), description, reason })).model_version
  }

  async deleteVersion(name: string, version: Version, reason?: string): Promise<void> {
    await this.call('deleteModelVersion', { name, version: String(version), reason })
  }

  // ---- aliases ----

  /** Points `alias` at `version`, moving it from any other version; audited with `reason`. */
  async setAlias(name: string, alias: string, version: Version, reason?: string): Promise<void> {
    await this.call('setRegisteredModelAlias', { name, alias, version: String(version), reason })
  }

  async deleteAlias(name: string, alias: string, reason?: string): Promise<void> {
    await this.call('deleteRegisteredModelAlias', { name, alias, reason })
  }

  /** InvalidParameterError or NotFoundError when the alias is not set (MLflow answers the former). */
  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return (await this.call('getModelVersionByAlias', { name, alias })).model_version
  }

  // ---- Railyard extras ----

  /** The version a `models:/NAME/VERSION`, `models:/NAME@ALIAS`, `models:/NAME/latest` or `models:/NAME/STAGE` URI names. */
  async resolve(uri: string): Promise<ModelVersion> {
    return (await this.callRailyard('resolveModelUri', { uri })).model_version
  }

  /** The version's immutable files: `{ tree_oid, files: [{ path, oid, size }] }`. */
  async files(name: string, version: Version): Promise<ModelVersionFiles> {
    const res = await this.callRailyard('listModelVersionFiles', { name, version: String(version) })
    return { tree_oid: res.tree_oid, files: res.files ?? [] }
  }

  /** One file of a version as an HTTP response whose body is unread (stream it). */
  openFile(name: string, version: Version, filePath: string): Promise<Response> {
    const ep = railyardRegistry.getModelVersionFile
    return this.transport.send({
      method: ep.method,
      path: RAILYARD_PREFIX + ep.path + queryString({ name, version: String(version), path: filePath }),
      timeoutMs: 0,
    })
  }

  async lineage(name: string, version: Version): Promise<ModelVersionLineage> {
    return this.callRailyard('getModelVersionLineage', { name, version: String(version) })
  }

  /** `a` is the base, `b` the candidate: deltas are b − a. */
  async compare(name: string, a: Version, b: Version): Promise<ModelVersionComparison> {
    return this.callRailyard('compareModelVersions', { name, version_a: String(a), version_b: String(b) })
  }

  /** One page of the model's audit log, oldest first. */
  async audit(name: string, opts: { maxResults?: number; pageToken?: string } = {}): Promise<Page<AuditEntry>> {
    const res = await this.callRailyard('getRegisteredModelAudit', { name, max_results: opts.maxResults, page_token: opts.pageToken })
    return { items: res.entries ?? [], nextPageToken: res.next_page_token }
  }

  async *auditAll(name: string, opts: { pageSize?: number } = {}): AsyncGenerator<AuditEntry> {
    let pageToken: string | undefined
    do {
      const page = await this.audit(name, { maxResults: opts.pageSize, pageToken })
      yield* page.items
      pageToken = page.nextPageToken
    } while (pageToken)
  }

  private json<T>(method: HttpMethod, path: string, payload: object): Promise<T> {
    return this.transport.json(method, path, payload)
  }
}

/** The registry client of `client`. */
export function registryOf(client: RailyardClient): ModelRegistryClient {
  return new ModelRegistryClient(client)
}

function toTags(tags: Record<string, string> | undefined): Tag[] | undefined {
  return tags ? Object.entries(tags).map(([key, value]) => ({ key, value })) : undefined
}
