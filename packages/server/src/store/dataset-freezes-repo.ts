import type { Selectable } from 'kysely'
import type { DialectCaps } from './dialects.js'
import type { DatasetsDb, FreezeEventTable, FreezeTable } from './datasets-schema.js'

export type FreezeRow = Selectable<FreezeTable>
export type FreezeEventRow = Selectable<FreezeEventTable>

export interface FreezeChange {
  experimentId: number
  datasetId: number
  datasetName: string
  versionId: string
  who?: string
  reason?: string
  runId?: string
  at: number
}

/**
 * Which version of a dataset each experiment uses, and the append-only history of those choices.
 * The (experiment, dataset) primary key decides races: of two parallel first uses, one insert wins
 * and both callers read the winner's row.
 */
export class DatasetFreezesRepo {
  constructor(
    private readonly db: DatasetsDb,
    private readonly caps: DialectCaps,
  ) {}

  get(experimentId: number, datasetId: number): Promise<FreezeRow | undefined> {
    return this.db
      .selectFrom('dataset_freezes')
      .selectAll()
      .where('experiment_id', '=', experimentId)
      .where('dataset_id', '=', datasetId)
      .executeTakeFirst()
  }

  /** Freezes of an experiment, of a dataset, or both (the caller names at least one). */
  list(experimentId: number | undefined, datasetId?: number): Promise<FreezeRow[]> {
    let q = this.db.selectFrom('dataset_freezes').selectAll()
    if (experimentId !== undefined) q = q.where('experiment_id', '=', experimentId)
    if (datasetId !== undefined) q = q.where('dataset_id', '=', datasetId)
    return q.orderBy('experiment_id').orderBy('dataset_id').execute()
  }

  /** Freezes the version unless the experiment already has one for the dataset; returns the one that holds. */
  async freezeFirst(c: FreezeChange): Promise<{ row: FreezeRow; created: boolean }> {
    return this.db.transaction().execute(async (tx) => {
      const inserted = await tx
        .insertInto('dataset_freezes')
        .values({
          experiment_id: c.experimentId,
          dataset_id: c.datasetId,
          version_id: c.versionId,
          frozen_at: c.at,
          frozen_by: c.who ?? null,
          run_id: c.runId ?? null,
        })
        .onConflict((oc) => oc.columns(['experiment_id', 'dataset_id']).doNothing())
        .returningAll()
        .executeTakeFirst()
      if (inserted) {
        await tx.insertInto('dataset_freeze_events').values(eventOf(c, 'freeze', null)).execute()
        return { row: inserted, created: true }
      }
      const row = await tx
        .selectFrom('dataset_freezes')
        .selectAll()
        .where('experiment_id', '=', c.experimentId)
        .where('dataset_id', '=', c.datasetId)
        .executeTakeFirstOrThrow()
      return { row, created: false }
    })
  }

  /** Moves (or sets) the freeze and appends a 'refresh' event naming the version it moved from. */
  async move(c: FreezeChange): Promise<FreezeRow> {
    return this.db.transaction().execute(async (tx) => {
      let current = tx
        .selectFrom('dataset_freezes')
        .selectAll()
        .where('experiment_id', '=', c.experimentId)
        .where('dataset_id', '=', c.datasetId)
      // PostgreSQL: hold the row so two refreshes record a consistent from → to chain. SQLite runs
      // one writer at a time already.
      if (this.caps.name === 'postgres') current = current.forUpdate()
      const before = await current.executeTakeFirst()
      const values = {
        experiment_id: c.experimentId,
        dataset_id: c.datasetId,
        version_id: c.versionId,
        frozen_at: c.at,
        frozen_by: c.who ?? null,
        run_id: null,
      }
      const row = await tx
        .insertInto('dataset_freezes')
        .values(values)
        .onConflict((oc) =>
          oc.columns(['experiment_id', 'dataset_id']).doUpdateSet({
            version_id: values.version_id,
            frozen_at: values.frozen_at,
            frozen_by: values.frozen_by,
            run_id: null,
          }),
        )
        .returningAll()
        .executeTakeFirstOrThrow()
      await tx.insertInto('dataset_freeze_events').values(eventOf(c, 'refresh', before?.version_id ?? null)).execute()
      return row
    })
  }

  /** Newest first. */
  history(experimentId: number, datasetId: number | undefined, offset: number, limit: number): Promise<FreezeEventRow[]> {
    let q = this.db.selectFrom('dataset_freeze_events').selectAll().where('experiment_id', '=', experimentId)
    if (datasetId !== undefined) q = q.where('dataset_id', '=', datasetId)
    return q.orderBy('id', 'desc').offset(offset).limit(limit).execute()
  }
}

function eventOf(c: FreezeChange, action: 'freeze' | 'refresh', from: string | null) {
  return {
    experiment_id: c.experimentId,
    dataset_id: c.datasetId,
    dataset_name: c.datasetName,
    action,
    from_version: from,
    to_version: c.versionId,
    who: c.who ?? null,
    reason: c.reason ?? null,
    run_id: c.runId ?? null,
    at: c.at,
  }
}
