import {
  InvalidParameterError,
  NotFoundError,
  toInt,
  type ModelVersion,
  type ModelVersionComparison,
  type ModelVersionLineage,
  type RegistryRequestOf,
} from '@railyard/api'
import type { Store } from '../store/store.js'
import { DELETED_STAGE, type VersionRow } from '../store/model-versions-repo.js'
import type { Actor } from '../store/registry-audit-repo.js'
import { decodePageToken, page } from './page-token.js'
import { pageSize, validateLength } from './validation.js'
import { REGISTRY_LIMITS, parseStage, parseVersion, validateDescription, validateRegistryTag } from './registry-validation.js'
import type { RegisteredModelsService } from './registry-models.js'
import type { ModelSources } from './registry-sources.js'
import type { RegistryLineage } from './registry-lineage.js'
import type { ModelRegistration } from './registry-registration.js'
import type { WebhookEmitter } from './webhooks.js'

// The logged_model_id column's width; MLflow's ids are `m-` and 32 hex digits.
const LOGGED_MODEL_ID_MAX = 64

/**
 * Model versions: registration from a run's artifacts or another version (files copied into
 * registry storage, lineage captured), descriptions, tags, legacy stages, deletion, search,
 * lineage and comparison. Stage moves, description changes and deletions are audited.
 */
export class ModelVersionsService {
  constructor(
    private readonly store: Store,
    private readonly models: RegisteredModelsService,
    private readonly sources: ModelSources,
    private readonly lineageOf: RegistryLineage,
    private readonly registration: ModelRegistration,
    private readonly webhooks: WebhookEmitter,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Registers a new version of the model. Its files are copied into registry storage; the response
   * shows READY when the copy finished in time, else PENDING_REGISTRATION until it does.
   */
  async create(req: RegistryRequestOf<'createModelVersion'>, actor: Actor): Promise<{ model_version: ModelVersion }> {
    const model = await this.models.row(req.name)
    if (!req.source) throw new InvalidParameterError(`Missing value for required parameter 'source'.`)
    validateLength(req.source, REGISTRY_LIMITS.sourceLength, 'source')
    const tags = req.tags ?? []
    for (const t of tags) validateRegistryTag(t)
    if (req.description !== undefined) validateDescription(req.description)
    if (req.run_link !== undefined) validateLength(req.run_link, REGISTRY_LIMITS.sourceLength, 'run_link')
    if (req.model_id) validateLength(req.model_id, LOGGED_MODEL_ID_MAX, 'model_id')
    const resolved = await this.sources.resolve(req.source, req.run_id)
    const copied = resolved.kind === 'version' ? resolved.from : undefined
    const version = await this.store.registry.versions.create(
      {
        modelId: model.model_id,
        source: req.source,
        runId: resolved.kind === 'artifacts' ? resolved.runId : req.run_id || resolved.from.run_id || undefined,
        runLink: req.run_link,
        description: req.description,
        userId: actor.who,
        tags,
        lineage: resolved.kind === 'artifacts' ? await this.lineageOf.capture(resolved.runId) : this.lineageOf.inherit(resolved.from),
        // A version's files are immutable, so one registered from another shares its tree.
        status: copied ? 'READY' : 'PENDING_REGISTRATION',
        storageLocation: copied?.storage_location ?? undefined,
        // MLflow 3 clients name the logged model; a `models:/<model_id>` source names it too.
        loggedModelId: req.model_id || (resolved.kind === 'artifacts' ? resolved.loggedModelId : copied?.logged_model_id ?? undefined),
        now: this.now(),
      },
      actor,
    )
    if (resolved.kind === 'artifacts') await this.registration.run(model.model_id, version, resolved.key)
    else await this.announceReady(model.model_id, version)
    const row = await this.store.registry.versions.get(model.model_id, version)
    return { model_version: (await this.store.registry.versions.hydrate([row!]))[0] }
  }

  /** Tells webhooks about a version that became READY. */
  async announceReady(modelId: number, version: number): Promise<void> {
    const row = await this.store.registry.versions.get(modelId, version)
    if (!row) return
    const [model_version] = await this.store.registry.versions.hydrate([row])
    this.webhooks.emit('model_version.created', { model_version })
  }

  async get(name: string, version: string | number): Promise<ModelVersion> {
    return (await this.store.registry.versions.hydrate([await this.row(name, version)]))[0]
  }

  /** The live version's row; RESOURCE_DOES_NOT_EXIST for an unknown model or version, or a deleted one. */
  async row(name: string, version: string | number | undefined, field = 'version'): Promise<VersionRow> {
    const model = await this.models.row(name)
    const number = parseVersion(version, field)
    const row = await this.store.registry.versions.get(model.model_id, number)
    if (!row || row.current_stage === DELETED_STAGE) {
      throw new NotFoundError(`Model Version (name=${model.name}, version=${number}) not found`)
    }
    return row
  }

  /** Sets the description (absent: unchanged); audited. */
  async update(name: string, version: string | number, description: string | undefined, actor: Actor): Promise<{ model_version: ModelVersion }> {
    const row = await this.row(name, version)
    if (description !== undefined && description !== (row.description ?? '')) {
      validateDescription(description)
      await this.store.registry.versions.updateDescription(row, description, this.now(), actor)
    }
    return { model_version: await this.get(name, version) }
  }

  /** MLflow's legacy stages; `archive_existing_versions` moves the others in Staging/Production to Archived. */
  async transitionStage(req: RegistryRequestOf<'transitionModelVersionStage'>, actor: Actor): Promise<{ model_version: ModelVersion }> {
    const row = await this.row(req.name, req.version)
    const stage = parseStage(req.stage)
    const archive = req.archive_existing_versions === true
    if (archive && stage !== 'Staging' && stage !== 'Production') {
      throw new InvalidParameterError(
        `Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. Valid stages are Staging, Production.`,
      )
    }
    if (stage !== row.current_stage || archive) {
      await this.store.registry.versions.transitionStage(row, stage, archive, this.now(), actor)
    }
    return { model_version: await this.get(req.name, req.version) }
  }

  /** Deletes the version; its aliases go with it (audited, announced). Its number is never reused. */
  async delete(name: string, version: string | number, actor: Actor): Promise<void> {
    const row = await this.row(name, version)
    const aliases = await this.store.registry.versions.delete(row, this.now(), actor)
    for (const alias of aliases) {
      this.webhooks.emit('alias.deleted', { name: row.name, alias, version: String(row.version), who: actor.who, reason: actor.reason })
    }
  }

  async setTag(name: string, version: string | number, key: string, value: string): Promise<void> {
    const row = await this.row(name, version)
    validateRegistryTag({ key, value })
    await this.store.registry.versions.setTag(row, { key, value })
  }

  /** Removes the tag; a tag that is not set is not an error (as in MLflow). */
  async deleteTag(name: string, version: string | number, key: string): Promise<void> {
    const row = await this.row(name, version)
    await this.store.registry.versions.deleteTag(row, key)
  }

  /** MLflow's search: name, run_id, source_path, version_number and tags; by name then version descending. */
  async search(req: RegistryRequestOf<'searchModelVersions'>): Promise<{ model_versions: ModelVersion[]; next_page_token?: string }> {
    const size = pageSize(toInt(req.max_results), REGISTRY_LIMITS.searchVersionsDefault, REGISTRY_LIMITS.searchVersionsMax)
    const offset = decodePageToken(req.page_token)
    const rows = await this.store.registry.versions.search({
      filter: req.filter,
      orderBy: req.order_by ?? [],
      offset,
      limit: size + 1,
    })
    const { items, nextPageToken } = page(rows, offset, size)
    return { model_versions: await this.store.registry.versions.hydrate(items), next_page_token: nextPageToken }
  }

  /** The version a `models:/` URI names. */
  async resolveUri(uri: string): Promise<{ model_version: ModelVersion }> {
    const row = await this.sources.resolveModelUri(uri)
    return { model_version: (await this.store.registry.versions.hydrate([row]))[0] }
  }

  async lineage(name: string, version: string | number): Promise<ModelVersionLineage> {
    const row = await this.row(name, version)
    return this.lineageOf.lineage(row, (await this.store.registry.versions.hydrate([row]))[0])
  }

  async compare(name: string, versionA: string | number, versionB: string | number): Promise<ModelVersionComparison> {
    const a = await this.row(name, versionA, 'version_a')
    const b = await this.row(name, versionB, 'version_b')
    const [va, vb] = await this.store.registry.versions.hydrate([a, b])
    return this.lineageOf.compare({ row: a, version: va }, { row: b, version: vb })
  }
}
