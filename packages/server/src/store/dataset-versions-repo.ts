import type { Insertable, Selectable } from 'kysely'
import type { DatasetsDb, DatasetVersionTable } from './datasets-schema.js'

export type DatasetVersionRow = Selectable<DatasetVersionTable>

/** SQL for dataset versions: their counts and sizes; the file lists live in manifest objects. */
export class DatasetVersionsRepo {
  constructor(private readonly db: DatasetsDb) {}

  /**
   * Records a version once its manifest is stored. The same files give the same id, so an existing
   * row is reused: it becomes the latest, and pinning only ever turns on.
   */
  async record(row: Insertable<DatasetVersionTable>): Promise<{ row: DatasetVersionRow; reused: boolean }> {
    return this.db.transaction().execute(async (tx) => {
      const inserted = await tx
        .insertInto('dataset_versions')
        .values(row)
        .onConflict((oc) => oc.columns(['dataset_id', 'version_id']).doNothing())
        .returningAll()
        .executeTakeFirst()
      if (inserted) return { row: inserted, reused: false }
      let update = tx
        .updateTable('dataset_versions')
        .set({ last_taken_timestamp: row.last_taken_timestamp })
        .where('dataset_id', '=', row.dataset_id)
        .where('version_id', '=', row.version_id)
      if (row.pinned) update = update.set({ pinned: 1 })
      await update.execute()
      const existing = await tx
        .selectFrom('dataset_versions')
        .selectAll()
        .where('dataset_id', '=', row.dataset_id)
        .where('version_id', '=', row.version_id)
        .executeTakeFirstOrThrow()
      return { row: existing, reused: true }
    })
  }

  get(datasetId: number, versionId: string): Promise<DatasetVersionRow | undefined> {
    return this.db
      .selectFrom('dataset_versions')
      .selectAll()
      .where('dataset_id', '=', datasetId)
      .where('version_id', '=', versionId)
      .executeTakeFirst()
  }

  /** Up to two versions whose id starts with `sha256:<hexPrefix>`: more than one means ambiguous. */
  byPrefix(datasetId: number, hexPrefix: string): Promise<DatasetVersionRow[]> {
    return this.db
      .selectFrom('dataset_versions')
      .selectAll()
      .where('dataset_id', '=', datasetId)
      .where('version_id', '>=', `sha256:${hexPrefix}`)
      .where('version_id', '<', `sha256:${hexPrefix}g`)
      .limit(2)
      .execute()
  }

  latest(datasetId: number): Promise<DatasetVersionRow | undefined> {
    return this.db
      .selectFrom('dataset_versions')
      .selectAll()
      .where('dataset_id', '=', datasetId)
      .orderBy('last_taken_timestamp', 'desc')
      .orderBy('creation_timestamp', 'desc')
      .limit(1)
      .executeTakeFirst()
  }

  /** The latest version of each dataset that has one. */
  async latestOf(datasetIds: number[]): Promise<Map<number, DatasetVersionRow>> {
    const out = new Map<number, DatasetVersionRow>()
    if (datasetIds.length === 0) return out
    const rows = await this.db
      .selectFrom('dataset_versions as v')
      .selectAll()
      .where('v.dataset_id', 'in', datasetIds)
      .where((eb) =>
        eb(
          'v.last_taken_timestamp',
          '=',
          eb
            .selectFrom('dataset_versions as w')
            .select((w) => w.fn.max('w.last_taken_timestamp').as('m'))
            .whereRef('w.dataset_id', '=', 'v.dataset_id'),
        ),
      )
      .orderBy('v.creation_timestamp', 'desc')
      .execute()
    for (const r of rows) if (!out.has(r.dataset_id)) out.set(r.dataset_id, r)
    return out
  }

  /** Whether any dataset has a version with this id (versions of equal files share their manifest). */
  async isUsed(versionId: string): Promise<boolean> {
    const row = await this.db.selectFrom('dataset_versions').select('dataset_id').where('version_id', '=', versionId).limit(1).executeTakeFirst()
    return row !== undefined
  }

  /** Newest first. */
  list(datasetId: number, offset: number, limit: number): Promise<DatasetVersionRow[]> {
    return this.db
      .selectFrom('dataset_versions')
      .selectAll()
      .where('dataset_id', '=', datasetId)
      .orderBy('creation_timestamp', 'desc')
      .orderBy('version_id')
      .offset(offset)
      .limit(limit)
      .execute()
  }
}
