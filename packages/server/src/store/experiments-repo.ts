import type { Kysely, Selectable } from 'kysely'
import { AlreadyExistsError, type Experiment, type LifecycleStage, type Tag } from '@railyard/api'
import type { DialectCaps } from './dialects.js'
import type { Database, ExperimentTable } from './schema.js'

export type ExperimentRow = Selectable<ExperimentTable>

export interface NewExperiment {
  name: string
  artifactLocation: (id: string) => string
  tags: Tag[]
  now: number
}

/** SQL for experiments and their tags. Rules (names, lifecycle) live in the tracking service. */
export class ExperimentsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly caps: DialectCaps,
  ) {}

  /** Creates the experiment; throws AlreadyExistsError when the name is taken, even by a deleted one. */
  async create(e: NewExperiment, explicitId?: number): Promise<string> {
    try {
      return await this.db.transaction().execute(async (tx) => {
        const row = await tx
          .insertInto('experiments')
          .values({
            ...(explicitId !== undefined ? { experiment_id: explicitId } : {}),
            name: e.name,
            artifact_location: '',
            lifecycle_stage: 'active',
            creation_time: e.now,
            last_update_time: e.now,
          })
          .returning('experiment_id')
          .executeTakeFirstOrThrow()
        const id = String(row.experiment_id)
        await tx
          .updateTable('experiments')
          .set({ artifact_location: e.artifactLocation(id) })
          .where('experiment_id', '=', row.experiment_id)
          .execute()
        if (e.tags.length > 0) {
          await tx
            .insertInto('experiment_tags')
            .values(e.tags.map((t) => ({ experiment_id: row.experiment_id, key: t.key, value: t.value })))
            .execute()
        }
        return id
      })
    } catch (err) {
      if (this.caps.isUniqueViolation(err)) {
        throw new AlreadyExistsError(`Experiment(name=${e.name}) already exists.`)
      }
      throw err
    }
  }

  async get(id: number): Promise<Experiment | undefined> {
    const row = await this.db.selectFrom('experiments').selectAll().where('experiment_id', '=', id).executeTakeFirst()
    if (!row) return undefined
    return (await this.withTags([row]))[0]
  }

  async getByName(name: string): Promise<Experiment | undefined> {
    const row = await this.db.selectFrom('experiments').selectAll().where('name', '=', name).executeTakeFirst()
    if (!row) return undefined
    return (await this.withTags([row]))[0]
  }

  async setLifecycle(id: number, stage: LifecycleStage, now: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('experiments')
        .set({ lifecycle_stage: stage, last_update_time: now })
        .where('experiment_id', '=', id)
        .execute()
      // MLflow moves an experiment's runs with it.
      await tx
        .updateTable('runs')
        .set({ lifecycle_stage: stage, deleted_time: stage === 'deleted' ? now : null })
        .where('experiment_id', '=', id)
        .execute()
    })
  }

  async rename(id: number, newName: string, now: number): Promise<void> {
    try {
      await this.db
        .updateTable('experiments')
        .set({ name: newName, last_update_time: now })
        .where('experiment_id', '=', id)
        .execute()
    } catch (err) {
      if (this.caps.isUniqueViolation(err)) {
        throw new AlreadyExistsError(`Experiment(name=${newName}) already exists.`)
      }
      throw err
    }
  }

  async setTag(id: number, tag: Tag): Promise<void> {
    await this.db
      .insertInto('experiment_tags')
      .values({ experiment_id: id, key: tag.key, value: tag.value })
      .onConflict((oc) => oc.columns(['experiment_id', 'key']).doUpdateSet({ value: tag.value }))
      .execute()
  }

  async deleteTag(id: number, key: string): Promise<number> {
    const res = await this.db
      .deleteFrom('experiment_tags')
      .where('experiment_id', '=', id)
      .where('key', '=', key)
      .executeTakeFirst()
    return Number(res.numDeletedRows)
  }

  /** Loads the tags of many experiments in one query. */
  async withTags(rows: ExperimentRow[]): Promise<Experiment[]> {
    if (rows.length === 0) return []
    const ids = rows.map((r) => Number(r.experiment_id))
    const tags = await this.db
      .selectFrom('experiment_tags')
      .select(['experiment_id', 'key', 'value'])
      .where('experiment_id', 'in', ids)
      .execute()
    const byId = new Map<number, Tag[]>()
    for (const t of tags) {
      const list = byId.get(Number(t.experiment_id)) ?? []
      list.push({ key: t.key, value: t.value })
      byId.set(Number(t.experiment_id), list)
    }
    return rows.map((r) => ({
      experiment_id: String(r.experiment_id),
      name: r.name,
      artifact_location: r.artifact_location,
      lifecycle_stage: r.lifecycle_stage as LifecycleStage,
      creation_time: Number(r.creation_time),
      last_update_time: Number(r.last_update_time),
      tags: byId.get(Number(r.experiment_id)),
    }))
  }
}
