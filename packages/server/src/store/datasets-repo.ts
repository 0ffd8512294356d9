import type { Kysely, Selectable, Insertable } from 'kysely'
import { AlreadyExistsError } from '@railyard/api'
import type { DialectCaps } from './dialects.js'
import type { Database } from './schema.js'
import type { DatasetTable, DatasetTables, DatasetsDb, DatastoreTable } from './datasets-schema.js'
import { DatasetVersionsRepo } from './dataset-versions-repo.js'
import { StatCacheRepo } from './stat-cache-repo.js'
import { DatasetFreezesRepo } from './dataset-freezes-repo.js'

export type DatastoreRow = Selectable<DatastoreTable>
export type DatasetRow = Selectable<DatasetTable>

/**
 * SQL for datastores and datasets; versions, the stat cache and experiment freezes have their own
 * repositories, reachable from here. Rules live in services/datasets/.
 */
export class DatasetsRepo {
  readonly versions: DatasetVersionsRepo
  readonly statCache: StatCacheRepo
  readonly freezes: DatasetFreezesRepo
  private readonly db: DatasetsDb

  constructor(
    db: Kysely<Database>,
    private readonly caps: DialectCaps,
  ) {
    this.db = db.withTables<DatasetTables>()
    this.versions = new DatasetVersionsRepo(this.db)
    this.statCache = new StatCacheRepo(this.db)
    this.freezes = new DatasetFreezesRepo(this.db, caps)
  }

  async insertDatastore(row: Insertable<DatastoreTable>): Promise<DatastoreRow> {
    try {
      return await this.db.insertInto('datastores').values(row).returningAll().executeTakeFirstOrThrow()
    } catch (err) {
      if (this.caps.isUniqueViolation(err)) throw new AlreadyExistsError(`Datastore '${row.name}' already exists`)
      throw err
    }
  }

  datastoreByName(name: string): Promise<DatastoreRow | undefined> {
    return this.db.selectFrom('datastores').selectAll().where('name', '=', name).executeTakeFirst()
  }

  datastoreById(id: number): Promise<DatastoreRow | undefined> {
    return this.db.selectFrom('datastores').selectAll().where('datastore_id', '=', id).executeTakeFirst()
  }

  listDatastores(offset: number, limit: number): Promise<DatastoreRow[]> {
    return this.db.selectFrom('datastores').selectAll().orderBy('name').offset(offset).limit(limit).execute()
  }

  /** Deletes the datastore unless datasets use it; returns the names of those datasets instead. */
  async deleteDatastore(id: number): Promise<string[]> {
    return this.db.transaction().execute(async (tx) => {
      const users = await tx.selectFrom('datasets').select('name').where('datastore_id', '=', id).orderBy('name').limit(10).execute()
      if (users.length > 0) return users.map((u) => u.name)
      await tx.deleteFrom('datastores').where('datastore_id', '=', id).execute()
      return []
    })
  }

  /**
   * Deletes the dataset and (by cascade) its versions and freezes, unless an experiment was ever
   * frozen on it (now or in the freeze history) or a run logged one of its versions as an input
   * (`inputName`: the dataset's name as run inputs hold it). Returns up to 10 of each user, or
   * undefined when it was deleted.
   */
  async deleteDataset(id: number, inputName: string): Promise<{ experiments: string[]; runs: string[] } | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const frozen = await tx
        .selectFrom('dataset_freeze_events as e')
        .leftJoin('experiments as x', 'x.experiment_id', 'e.experiment_id')
        .select(['e.experiment_id', 'x.name'])
        .distinct()
        .where('e.dataset_id', '=', id)
        .orderBy('e.experiment_id')
        .limit(10)
        .execute()
      const runs = await tx
        .selectFrom('run_inputs')
        .select('run_uuid')
        .distinct()
        .where('source_type', '=', 'railyard')
        .where('name', '=', inputName)
        .orderBy('run_uuid')
        .limit(10)
        .execute()
      if (frozen.length || runs.length) {
        return { experiments: frozen.map((f) => f.name ?? String(f.experiment_id)), runs: runs.map((r) => r.run_uuid) }
      }
      await tx.deleteFrom('datasets').where('dataset_id', '=', id).execute()
      return undefined
    })
  }

  async insertDataset(row: Insertable<DatasetTable>): Promise<DatasetRow> {
    try {
      return await this.db.insertInto('datasets').values(row).returningAll().executeTakeFirstOrThrow()
    } catch (err) {
      if (this.caps.isUniqueViolation(err)) throw new AlreadyExistsError(`Dataset '${row.name}' already exists`)
      throw err
    }
  }

  datasetByName(name: string): Promise<DatasetRow | undefined> {
    return this.db.selectFrom('datasets').selectAll().where('name', '=', name).executeTakeFirst()
  }

  datasetById(id: number): Promise<DatasetRow | undefined> {
    return this.db.selectFrom('datasets').selectAll().where('dataset_id', '=', id).executeTakeFirst()
  }

  async datasetNames(ids: number[]): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map()
    const rows = await this.db.selectFrom('datasets').select(['dataset_id', 'name']).where('dataset_id', 'in', ids).execute()
    return new Map(rows.map((r) => [r.dataset_id, r.name]))
  }

  listDatasets(filter: { datastoreId?: number }, offset: number, limit: number): Promise<DatasetRow[]> {
    let q = this.db.selectFrom('datasets').selectAll()
    if (filter.datastoreId !== undefined) q = q.where('datastore_id', '=', filter.datastoreId)
    return q.orderBy('name').offset(offset).limit(limit).execute()
  }
}
