import type { Kysely, Selectable } from 'kysely'
import { AlreadyExistsError, ApiError, NotFoundError, type RegisteredModel, type Tag } from '@railyard/api'
import type { DialectCaps } from './dialects.js'
import type { Database } from './schema.js'
import { DELETED_STAGE, type RegisteredModelTable, type RegistryDb, type RegistryTables } from './registry-schema.js'
import { RegistryAuditRepo, type Actor } from './registry-audit-repo.js'
import { lockModel } from './registry-lock.js'
import { ModelVersionsRepo } from './model-versions-repo.js'
import { WebhooksRepo } from './webhooks-repo.js'
import { searchModelRows, type RegistrySearchQuery } from './registry-search.js'

export type ModelRow = Selectable<RegisteredModelTable>

export interface NewRegisteredModel {
  name: string
  description?: string
  tags: Tag[]
  now: number
}

/**
 * SQL for registered models, their tags and aliases; versions, the audit log and webhooks have
 * their own repositories, reachable from here. Rules live in services/registry*.ts.
 */
export class RegistryRepo {
  readonly versions: ModelVersionsRepo
  readonly audit: RegistryAuditRepo
  readonly webhooks: WebhooksRepo
  private readonly db: RegistryDb

  constructor(
    db: Kysely<Database>,
    private readonly caps: DialectCaps,
  ) {
    this.db = db.withTables<RegistryTables>()
    this.audit = new RegistryAuditRepo(this.db)
    this.versions = new ModelVersionsRepo(this.db, caps, this.audit)
    this.webhooks = new WebhooksRepo(this.db)
  }

  /** Creates the model; AlreadyExistsError when the name is taken. */
  async create(m: NewRegisteredModel): Promise<ModelRow> {
    try {
      return await this.db.transaction().execute(async (tx) => {
        const row = await tx
          .insertInto('registered_models')
          .values({
            name: m.name,
            description: m.description ?? null,
            creation_timestamp: m.now,
            last_updated_timestamp: m.now,
          })
          .returningAll()
          .executeTakeFirstOrThrow()
        const unique = new Map(m.tags.map((t) => [t.key, t.value]))
        if (unique.size > 0) {
          await tx
            .insertInto('registered_model_tags')
            .values([...unique].map(([key, value]) => ({ model_id: row.model_id, key, value })))
            .execute()
        }
        return row
      })
    } catch (err) {
      if (this.caps.isUniqueViolation(err)) throw new AlreadyExistsError(`Registered Model (name=${m.name}) already exists.`)
      throw err
    }
  }

  async get(name: string): Promise<ModelRow | undefined> {
    return this.db.selectFrom('registered_models').selectAll().where('name', '=', name).executeTakeFirst()
  }

  async getById(modelId: number): Promise<ModelRow | undefined> {
    return this.db.selectFrom('registered_models').selectAll().where('model_id', '=', modelId).executeTakeFirst()
  }

  /** Renames the model (its versions follow, as they hang off its id); AlreadyExistsError when taken. */
  async rename(model: ModelRow, newName: string, now: number, actor: Actor): Promise<void> {
    try {
      await this.db.transaction().execute(async (tx) => {
        await tx
          .updateTable('registered_models')
          .set({ name: newName, last_updated_timestamp: now })
          .where('model_id', '=', model.model_id)
          .execute()
        await this.audit.appendIn(tx, actor, now, [
          { modelId: model.model_id, modelName: newName, action: 'registered_model.renamed', from: model.name, to: newName },
        ])
      })
    } catch (err) {
      if (this.caps.isUniqueViolation(err)) throw new AlreadyExistsError(`Registered Model (name=${newName}) already exists.`)
      throw err
    }
  }

  async updateDescription(model: ModelRow, description: string, now: number, actor: Actor): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const current = await lockModel(tx, this.caps, model.model_id)
      await tx
        .updateTable('registered_models')
        .set({ description, last_updated_timestamp: now })
        .where('model_id', '=', model.model_id)
        .execute()
      await this.audit.appendIn(tx, actor, now, [
        {
          modelId: model.model_id,
          modelName: model.name,
          action: 'registered_model.description',
          from: current?.description ?? null,
          to: description,
        },
      ])
    })
  }

  /**
   * Deletes the model with its versions, tags and aliases; the audit log keeps its history,
   * including the removal of each alias. Returns the aliases that were set, with their versions.
   */
  async delete(model: ModelRow, now: number, actor: Actor): Promise<Array<{ alias: string; version: number }>> {
    return this.db.transaction().execute(async (tx) => {
      await lockModel(tx, this.caps, model.model_id)
      const aliases = await tx
        .selectFrom('registered_model_aliases')
        .select(['alias', 'version'])
        .where('model_id', '=', model.model_id)
        .orderBy('alias')
        .execute()
      const base = { modelId: model.model_id, modelName: model.name }
      await this.audit.appendIn(tx, actor, now, [
        ...aliases.map((a) => ({
          ...base,
          version: a.version,
          action: 'alias.deleted' as const,
          subject: a.alias,
          from: String(a.version),
          to: null,
        })),
        { ...base, action: 'registered_model.deleted', from: model.name },
      ])
      await tx.deleteFrom('registered_models').where('model_id', '=', model.model_id).execute()
      return aliases.map((a) => ({ alias: a.alias, version: Number(a.version) }))
    })
  }

  async setTag(modelId: number, tag: Tag): Promise<void> {
    await this.db
      .insertInto('registered_model_tags')
      .values({ model_id: modelId, key: tag.key, value: tag.value })
      .onConflict((oc) => oc.columns(['model_id', 'key']).doUpdateSet({ value: tag.value }))
      .execute()
  }

  /** Removes the tag; returns how many rows went (0 when it was not set). */
  async deleteTag(modelId: number, key: string): Promise<number> {
    const res = await this.db
      .deleteFrom('registered_model_tags')
      .where('model_id', '=', modelId)
      .where('key', '=', key)
      .executeTakeFirst()
    return Number(res.numDeletedRows)
  }

  /** The version an alias points to, if it is set. */
  async aliasVersion(modelId: number, alias: string): Promise<number | undefined> {
    return aliasVersionIn(this.db, modelId, alias)
  }

  /**
   * Points the alias at `version` (which the caller checked exists and is not deleted), moving it
   * if set, and records the move. Returns the version it pointed to before. With `expected`, the
   * move happens only if the alias still points there (null: still unset), checked under the
   * model's lock, so a decision made on what the alias pointed to cannot be applied after another
   * server process moved it.
   */
  async setAlias(model: ModelRow, alias: string, version: number, now: number, actor: Actor, expected?: number | null): Promise<number | undefined> {
    return this.db.transaction().execute(async (tx) => {
      await lockModel(tx, this.caps, model.model_id)
      const live = await tx
        .selectFrom('model_versions')
        .select('version')
        .where('model_id', '=', model.model_id)
        .where('version', '=', version)
        .where('current_stage', '!=', DELETED_STAGE)
        .executeTakeFirst()
      // The version may have been deleted since the caller looked.
      if (!live) throw new NotFoundError(`Model Version (name=${model.name}, version=${version}) not found`)
      const from = await aliasVersionIn(tx, model.model_id, alias)
      if (expected !== undefined && (from ?? null) !== expected) throw new AliasMovedError(model.name, alias, expected, from)
      await tx
        .insertInto('registered_model_aliases')
        .values({ model_id: model.model_id, alias, version })
        .onConflict((oc) => oc.columns(['model_id', 'alias']).doUpdateSet({ version }))
        .execute()
      await this.audit.appendIn(tx, actor, now, [
        {
          modelId: model.model_id,
          modelName: model.name,
          version,
          action: 'alias.set',
          subject: alias,
          from: from === undefined ? null : String(from),
          to: String(version),
        },
      ])
      return from
    })
  }

  /** Removes the alias and records it; returns the version it pointed to, or undefined if unset. */
  async deleteAlias(model: ModelRow, alias: string, now: number, actor: Actor): Promise<number | undefined> {
    return this.db.transaction().execute(async (tx) => {
      await lockModel(tx, this.caps, model.model_id)
      const prev = await aliasVersionIn(tx, model.model_id, alias)
      if (prev === undefined) return undefined
      await tx.deleteFrom('registered_model_aliases').where('model_id', '=', model.model_id).where('alias', '=', alias).execute()
      await this.audit.appendIn(tx, actor, now, [
        {
          modelId: model.model_id,
          modelName: model.name,
          version: prev,
          action: 'alias.deleted',
          subject: alias,
          from: String(prev),
          to: null,
        },
      ])
      return prev
    })
  }

  search(q: RegistrySearchQuery): Promise<ModelRow[]> {
    return searchModelRows(this.db, this.caps, q)
  }

  /** Wire models with tags, aliases and the newest version per stage, in the order of `rows`. */
  async hydrate(rows: ModelRow[]): Promise<RegisteredModel[]> {
    if (rows.length === 0) return []
    const ids = rows.map((r) => r.model_id)
    const [tags, aliases, latest] = await Promise.all([
      this.db.selectFrom('registered_model_tags').selectAll().where('model_id', 'in', ids).orderBy('key').execute(),
      this.db.selectFrom('registered_model_aliases').selectAll().where('model_id', 'in', ids).orderBy('alias').execute(),
      this.versions.latestPerStage(ids, undefined),
    ])
    const latestVersions = await this.versions.hydrate(latest, { withTags: false })
    return rows.map((r) => ({
      name: r.name,
      creation_timestamp: Number(r.creation_timestamp),
      last_updated_timestamp: Number(r.last_updated_timestamp),
      description: r.description ?? undefined,
      latest_versions: latestVersions.filter((_, i) => latest[i].model_id === r.model_id),
      tags: tags.filter((t) => t.model_id === r.model_id).map((t) => ({ key: t.key, value: t.value })),
      aliases: aliases
        .filter((a) => a.model_id === r.model_id)
        .map((a) => ({ alias: a.alias, version: String(a.version) })),
    }))
  }
}

/** The version an alias points to, if it is set; `db` may be a transaction. */
async function aliasVersionIn(db: RegistryDb, modelId: number, alias: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('registered_model_aliases')
    .select('version')
    .where('model_id', '=', modelId)
    .where('alias', '=', alias)
    .executeTakeFirst()
  return row ? Number(row.version) : undefined
}

/** The alias was moved by someone else between a decision and the move it led to. */
export class AliasMovedError extends ApiError {
  constructor(name: string, alias: string, expected: number | null, now: number | undefined) {
    const was = expected === null ? 'was not set' : `pointed to version ${expected}`
    const is = now === undefined ? 'is not set now' : `points to version ${now} now`
    super('RESOURCE_CONFLICT', `${name}@${alias} ${was} when this change was decided but ${is}: another deploy or rollback moved it meanwhile; check the deployments and try again`)
  }
}

