import type { Selectable } from 'kysely'
import type { LineageSnapshot, ModelStage, ModelVersion, ModelVersionStatus, Tag } from '@railyard/api'
import type { DialectCaps } from './dialects.js'
import { DELETED_STAGE, type ModelVersionTable, type RegistryDb } from './registry-schema.js'
import type { Actor, AuditRecord, RegistryAuditRepo } from './registry-audit-repo.js'
import { lockModel } from './registry-lock.js'
import { searchVersionRows, type RegistrySearchQuery } from './registry-search.js'
import { hydrateVersions, latestPerStage, selectVersions } from './model-versions-read.js'

/** A version row with its model's current name. */
export type VersionRow = Selectable<ModelVersionTable> & { name: string }

export { DELETED_STAGE }

export interface NewModelVersion {
  modelId: number
  source: string
  runId?: string
  runLink?: string
  description?: string
  userId?: string
  tags: Tag[]
  lineage?: LineageSnapshot
  status: ModelVersionStatus
  storageLocation?: string
  /** MLflow 3: the logged model it comes from. */
  loggedModelId?: string
  now: number
}

/** SQL for model versions and their tags. Rules live in services/registry-versions.ts. */
export class ModelVersionsRepo {
  constructor(
    private readonly db: RegistryDb,
    private readonly caps: DialectCaps,
    private readonly audit: RegistryAuditRepo,
  ) {}

  /** Adds the next version of the model (numbers count up from 1, never reused) and returns its number. */
  async create(v: NewModelVersion, actor: Actor): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      const model = await lockModel(tx, this.caps, v.modelId)
      if (!model) throw new Error(`registered model ${v.modelId} vanished`)
      const max = await tx
        .selectFrom('model_versions')
        .select((eb) => eb.fn.max('version').as('max'))
        .where('model_id', '=', v.modelId)
        .executeTakeFirst()
      const version = Number(max?.max ?? 0) + 1
      await tx
        .insertInto('model_versions')
        .values({
          model_id: v.modelId,
          version,
          source: v.source,
          run_id: v.runId ?? null,
          run_link: v.runLink ?? null,
          description: v.description ?? null,
          user_id: v.userId ?? null,
          status: v.status,
          status_message: null,
          current_stage: 'None',
          storage_location: v.storageLocation ?? null,
          creation_timestamp: v.now,
          last_updated_timestamp: v.now,
          lineage: v.lineage ? JSON.stringify(v.lineage) : null,
          logged_model_id: v.loggedModelId ?? null,
        })
        .execute()
      const tags = new Map(v.tags.map((t) => [t.key, t.value]))
      if (tags.size > 0) {
        await tx
          .insertInto('model_version_tags')
          .values([...tags].map(([key, value]) => ({ model_id: v.modelId, version, key, value })))
          .execute()
      }
      await tx.updateTable('registered_models').set({ last_updated_timestamp: v.now }).where('model_id', '=', v.modelId).execute()
      await this.audit.appendIn(tx, actor, v.now, [
        { modelId: v.modelId, modelName: model.name, version, action: 'model_version.created', to: v.source },
      ])
      return version
    })
  }

  /** The version, deleted or not. */
  async get(modelId: number, version: number): Promise<VersionRow | undefined> {
    return this.select().where('v.model_id', '=', modelId).where('v.version', '=', version).executeTakeFirst()
  }

  /** Versions still being registered (after a restart, their copy is resumed). */
  async pending(): Promise<VersionRow[]> {
    return this.select().where('v.status', '=', 'PENDING_REGISTRATION').execute()
  }

  /**
   * Ends a registration; only a PENDING version changes, so a second finisher (two servers resuming
   * the same copy) is a no-op. Returns whether this call changed it.
   */
  async finishRegistration(
    modelId: number,
    version: number,
    result: { status: ModelVersionStatus; storageLocation?: string; message?: string; now: number },
  ): Promise<boolean> {
    const res = await this.db
      .updateTable('model_versions')
      .set({
        status: result.status,
        storage_location: result.storageLocation ?? null,
        status_message: result.message ?? null,
        last_updated_timestamp: result.now,
      })
      .where('model_id', '=', modelId)
      .where('version', '=', version)
      .where('status', '=', 'PENDING_REGISTRATION')
      .executeTakeFirst()
    return Number(res.numUpdatedRows) > 0
  }

  async updateDescription(row: VersionRow, description: string, now: number, actor: Actor): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await lockModel(tx, this.caps, row.model_id)
      const current = await tx
        .selectFrom('model_versions')
        .select('description')
        .where('model_id', '=', row.model_id)
        .where('version', '=', row.version)
        .executeTakeFirst()
      await tx
        .updateTable('model_versions')
        .set({ description, last_updated_timestamp: now })
        .where('model_id', '=', row.model_id)
        .where('version', '=', row.version)
        .execute()
      await this.audit.appendIn(tx, actor, now, [
        {
          modelId: row.model_id,
          modelName: row.name,
          version: row.version,
          action: 'model_version.description',
          from: current?.description ?? null,
          to: description,
        },
      ])
    })
  }

  /**
   * Moves the version to `stage`; with `archiveOthers`, the model's other versions in that stage
   * move to Archived. Every move is audited. Returns the numbers of the archived versions.
   */
  async transitionStage(row: VersionRow, stage: ModelStage, archiveOthers: boolean, now: number, actor: Actor): Promise<number[]> {
    return this.db.transaction().execute(async (tx) => {
      await lockModel(tx, this.caps, row.model_id)
      const current = await tx
        .selectFrom('model_versions')
        .select('current_stage')
        .where('model_id', '=', row.model_id)
        .where('version', '=', row.version)
        .executeTakeFirstOrThrow()
      const records: AuditRecord[] = [
        {
          modelId: row.model_id,
          modelName: row.name,
          version: row.version,
          action: 'model_version.stage',
          from: current.current_stage,
          to: stage,
        },
      ]
      let archived: number[] = []
      if (archiveOthers) {
        const others = await tx
          .selectFrom('model_versions')
          .select('version')
          .where('model_id', '=', row.model_id)
          .where('current_stage', '=', stage)
          .where('version', '!=', row.version)
          .execute()
        archived = others.map((o) => Number(o.version))
        if (archived.length > 0) {
          await tx
            .updateTable('model_versions')
            .set({ current_stage: 'Archived', last_updated_timestamp: now })
            .where('model_id', '=', row.model_id)
            .where('version', 'in', archived)
            .execute()
        }
        for (const v of archived) {
          records.push({ modelId: row.model_id, modelName: row.name, version: v, action: 'model_version.stage', from: stage, to: 'Archived' })
        }
      }
      await tx
        .updateTable('model_versions')
        .set({ current_stage: stage, last_updated_timestamp: now })
        .where('model_id', '=', row.model_id)
        .where('version', '=', row.version)
        .execute()
      await this.audit.appendIn(tx, actor, now, records)
      return archived
    })
  }

  /**
   * Deletes the version: its aliases go (each removal audited), the row stays hidden as
   * Deleted_Internal. Returns the aliases that pointed to it.
   */
  async delete(row: VersionRow, now: number, actor: Actor): Promise<string[]> {
    return this.db.transaction().execute(async (tx) => {
      await lockModel(tx, this.caps, row.model_id)
      const aliases = await tx
        .selectFrom('registered_model_aliases')
        .select('alias')
        .where('model_id', '=', row.model_id)
        .where('version', '=', row.version)
        .orderBy('alias')
        .execute()
      await tx.deleteFrom('registered_model_aliases').where('model_id', '=', row.model_id).where('version', '=', row.version).execute()
      await tx
        .updateTable('model_versions')
        .set({ current_stage: DELETED_STAGE, last_updated_timestamp: now })
        .where('model_id', '=', row.model_id)
        .where('version', '=', row.version)
        .execute()
      await tx.updateTable('registered_models').set({ last_updated_timestamp: now }).where('model_id', '=', row.model_id).execute()
      const base = { modelId: row.model_id, modelName: row.name, version: row.version }
      await this.audit.appendIn(tx, actor, now, [
        ...aliases.map((a): AuditRecord => ({ ...base, action: 'alias.deleted', subject: a.alias, from: String(row.version), to: null })),
        { ...base, action: 'model_version.deleted', from: row.current_stage, to: null },
      ])
      return aliases.map((a) => a.alias)
    })
  }

  async setTag(row: VersionRow, tag: Tag): Promise<void> {
    await this.db
      .insertInto('model_version_tags')
      .values({ model_id: row.model_id, version: row.version, key: tag.key, value: tag.value })
      .onConflict((oc) => oc.columns(['model_id', 'version', 'key']).doUpdateSet({ value: tag.value }))
      .execute()
  }

  async deleteTag(row: VersionRow, key: string): Promise<number> {
    const res = await this.db
      .deleteFrom('model_version_tags')
      .where('model_id', '=', row.model_id)
      .where('version', '=', row.version)
      .where('key', '=', key)
      .executeTakeFirst()
    return Number(res.numDeletedRows)
  }

  /**
   * The newest live version in each stage of each model, ordered by model then stage
   * (None, Staging, Production, Archived); `stages` limits the stages.
   */
  latestPerStage(modelIds: number[], stages: ModelStage[] | undefined): Promise<VersionRow[]> {
    return latestPerStage(this.db, modelIds, stages)
  }

  search(q: RegistrySearchQuery): Promise<VersionRow[]> {
    return searchVersionRows(this.db, this.caps, q)
  }

  /** Wire versions with tags and aliases, in the order of `rows`. */
  hydrate(rows: VersionRow[], opts: { withTags: boolean } = { withTags: true }): Promise<ModelVersion[]> {
    return hydrateVersions(this.db, rows, opts)
  }

  private select() {
    return selectVersions(this.db)
  }
}
