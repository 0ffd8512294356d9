import {
  InvalidParameterError,
  NotFoundError,
  toInt,
  type AuditEntry,
  type ModelVersion,
  type RegisteredModel,
  type RegistryRequestOf,
} from '@railyard/api'
import type { Store } from '../store/store.js'
import type { ModelRow } from '../store/registry-repo.js'
import type { Actor } from '../store/registry-audit-repo.js'
import { DELETED_STAGE } from '../store/model-versions-repo.js'
import { decodePageToken, page } from './page-token.js'
import { pageSize } from './validation.js'
import {
  REGISTRY_LIMITS,
  parseStage,
  parseVersion,
  validateAlias,
  validateDescription,
  validateModelName,
  validateRegistryTag,
} from './registry-validation.js'
import type { WebhookEmitter } from './webhooks.js'

export type { Actor }

/**
 * Registered models: names, descriptions, tags, aliases, search, and their audit log. Aliases and
 * description changes are audited (who, when, from → to, why) and alias changes announced to
 * webhooks.
 */
export class RegisteredModelsService {
  constructor(
    private readonly store: Store,
    private readonly webhooks: WebhookEmitter,
    private readonly now: () => number = Date.now,
  ) {}

  async create(req: RegistryRequestOf<'createRegisteredModel'>): Promise<{ registered_model: RegisteredModel }> {
    const name = validateModelName(req.name)
    const tags = req.tags ?? []
    for (const t of tags) validateRegistryTag(t)
    if (req.description !== undefined) validateDescription(req.description)
    const row = await this.store.registry.create({ name, description: req.description, tags, now: this.now() })
    return { registered_model: (await this.store.registry.hydrate([row]))[0] }
  }

  async get(name: string): Promise<RegisteredModel> {
    return (await this.store.registry.hydrate([await this.row(name)]))[0]
  }

  /** The model's row; RESOURCE_DOES_NOT_EXIST when there is none. */
  async row(name: string | undefined): Promise<ModelRow> {
    validateModelName(name)
    const row = await this.store.registry.get(name!)
    if (!row) throw new NotFoundError(`Registered Model with name=${name} not found`)
    return row
  }

  async rename(name: string, newName: string | undefined, actor: Actor): Promise<{ registered_model: RegisteredModel }> {
    const row = await this.row(name)
    validateModelName(newName, 'new_name')
    if (newName !== row.name) await this.store.registry.rename(row, newName!, this.now(), actor)
    return { registered_model: await this.get(newName!) }
  }

  /** Sets the description (absent: unchanged); audited. */
  async updateDescription(name: string, description: string | undefined, actor: Actor): Promise<{ registered_model: RegisteredModel }> {
    const row = await this.row(name)
    if (description !== undefined) {
      validateDescription(description)
      if (description !== (row.description ?? '')) {
        await this.store.registry.updateDescription(row, description, this.now(), actor)
      }
    }
    return { registered_model: await this.get(name) }
  }

  /** Deletes the model, its versions and aliases (each removal audited and announced). */
  async delete(name: string, actor: Actor): Promise<void> {
    const row = await this.row(name)
    const aliases = await this.store.registry.delete(row, this.now(), actor)
    for (const a of aliases) this.announceAliasDeleted(row.name, a.alias, a.version, actor)
  }

  async setTag(name: string, key: string, value: string): Promise<void> {
    const row = await this.row(name)
    validateRegistryTag({ key, value })
    await this.store.registry.setTag(row.model_id, { key, value })
  }

  /** Removes the tag; a tag that is not set is not an error (as in MLflow). */
  async deleteTag(name: string, key: string): Promise<void> {
    const row = await this.row(name)
    await this.store.registry.deleteTag(row.model_id, key)
  }

  /** MLflow's search: filter on name and tags; 100 per page by default, at most 1000; by name unless ordered. */
  async search(req: RegistryRequestOf<'searchRegisteredModels'>): Promise<{ registered_models: RegisteredModel[]; next_page_token?: string }> {
    const size = pageSize(toInt(req.max_results), REGISTRY_LIMITS.searchModelsDefault, REGISTRY_LIMITS.searchModelsMax)
    const offset = decodePageToken(req.page_token)
    const rows = await this.store.registry.search({
      filter: req.filter,
      orderBy: req.order_by ?? [],
      offset,
      limit: size + 1,
    })
    const { items, nextPageToken } = page(rows, offset, size)
    return { registered_models: await this.store.registry.hydrate(items), next_page_token: nextPageToken }
  }

  /** The newest version in each requested stage (every stage when none is named). */
  async latestVersions(name: string, stages: string[] | undefined): Promise<{ model_versions: ModelVersion[] }> {
    const row = await this.row(name)
    const wanted = stages && stages.length > 0 ? [...new Set(stages.map(parseStage))] : undefined
    const rows = await this.store.registry.versions.latestPerStage([row.model_id], wanted)
    return { model_versions: await this.store.registry.versions.hydrate(rows) }
  }

  /** Points `alias` at `version`, moving it if it pointed elsewhere; audited and announced. */
  /** `expected`: move only if the alias still points there (null: unset); see RegistryRepo.setAlias. */
  async setAlias(name: string, alias: string, version: string | number, actor: Actor, expected?: number | null): Promise<void> {
    const row = await this.row(name)
    validateAlias(alias)
    const number = parseVersion(version)
    const target = await this.store.registry.versions.get(row.model_id, number)
    if (!target || target.current_stage === DELETED_STAGE) {
      throw new NotFoundError(`Model Version (name=${row.name}, version=${number}) not found`)
    }
    // An alias is what deployments follow; one that named a version without files would break them.
    if (target.status === 'FAILED_REGISTRATION') {
      throw new InvalidParameterError(`Model version ${row.name}/${number} failed registration, so it cannot be given an alias.`)
    }
    const previous = await this.store.registry.setAlias(row, alias, number, this.now(), actor, expected)
    this.webhooks.emit('alias.set', {
      name: row.name,
      alias,
      version: String(number),
      previous_version: previous === undefined ? undefined : String(previous),
      who: actor.who,
      reason: actor.reason,
    })
  }

  /** The aliases deploy or rollback has ever moved on the model, whether or not they are still set. */
  async deployedAliases(name: string): Promise<Set<string>> {
    const row = await this.row(name)
    return new Set([...(await this.store.gates.movesFor(row.model_id)).values()].map((m) => m.alias))
  }

  /** Removes the alias; removing an alias that is not set changes nothing (as in MLflow). */
  async deleteAlias(name: string, alias: string, actor: Actor): Promise<void> {
    const row = await this.row(name)
    validateAlias(alias)
    const removed = await this.store.registry.deleteAlias(row, alias, this.now(), actor)
    if (removed !== undefined) this.announceAliasDeleted(row.name, alias, removed, actor)
  }

  /** The version an alias points to; INVALID_PARAMETER_VALUE for an alias that is not set (MLflow's answer). */
  async versionByAlias(name: string, alias: string): Promise<{ model_version: ModelVersion }> {
    const row = await this.row(name)
    if (alias === undefined || alias === '') throw new InvalidParameterError('Registered model alias name cannot be empty.')
    const version = await this.store.registry.aliasVersion(row.model_id, alias)
    if (version === undefined) throw new InvalidParameterError(`Registered model alias ${alias} not found.`)
    const v = (await this.store.registry.versions.get(row.model_id, version))!
    return { model_version: (await this.store.registry.versions.hydrate([v]))[0] }
  }

  /**
   * The model's audit log, oldest first: every alias change, stage transition, description change
   * and version deletion, with who, when, from → to and why. A deleted model's log is found by name.
   */
  async audit(req: { name: string; max_results?: number | string; page_token?: string }): Promise<{ entries: AuditEntry[]; next_page_token?: string }> {
    validateModelName(req.name)
    const size = pageSize(toInt(req.max_results), 1000, 10_000)
    const offset = decodePageToken(req.page_token)
    const row = await this.store.registry.get(req.name)
    const where = row ? { modelId: row.model_id } : { modelName: req.name }
    const rows = await this.store.registry.audit.list(where, offset, size + 1)
    if (!row && rows.length === 0 && offset === 0) throw new NotFoundError(`Registered Model with name=${req.name} not found`)
    const { items, nextPageToken } = page(rows, offset, size)
    return { entries: items, next_page_token: nextPageToken }
  }

  private announceAliasDeleted(name: string, alias: string, version: number, actor: Actor): void {
    this.webhooks.emit('alias.deleted', { name, alias, version: String(version), who: actor.who, reason: actor.reason })
  }
}
