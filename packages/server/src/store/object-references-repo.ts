import type { Kysely } from 'kysely'
import type { Database } from './schema.js'
import { DELETED_STAGE, type RegistryTables } from './registry-schema.js'
import type { DatasetTables } from './datasets-schema.js'

/** A model version whose files tree must be kept. */
export interface VersionTreeRow {
  name: string | null
  version: number
  /** The tree object id. */
  storage_location: string
}

/** The object ids a dataset version names directly. */
export interface DatasetVersionObjectsRow {
  name: string | null
  /** The manifest object's id. */
  version_id: string
  index_oid: string
  pinned: number
  table_digest: string | null
}

export interface PendingRegistrationRow {
  name: string | null
  version: number
}

const STAT_CACHE_PAGE = 10_000

/**
 * SQL for garbage collection (services/gc.ts): every row that names an object in `objects/`.
 * Read-only; the rules of what counts as a reference live in services/gc-references.ts.
 */
export class ObjectReferencesRepo {
  private readonly db: Kysely<Database & RegistryTables & DatasetTables>

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<RegistryTables>().withTables<DatasetTables>()
  }

  /**
   * Trees of versions that are not deleted, whatever their status. A deleted version
   * (Deleted_Internal) keeps its row so its number is never reused, but nothing reads it again.
   */
  liveVersionTrees(): Promise<VersionTreeRow[]> {
    return this.db
      .selectFrom('model_versions as v')
      .leftJoin('registered_models as m', 'm.model_id', 'v.model_id')
      .select(['m.name', 'v.version', 'v.storage_location'])
      .where('v.storage_location', 'is not', null)
      .where('v.current_stage', '!=', DELETED_STAGE)
      .execute() as Promise<VersionTreeRow[]>
  }

  /** Versions whose files are still being copied: the objects they will name are not known yet. */
  pendingRegistrations(): Promise<PendingRegistrationRow[]> {
    return this.db
      .selectFrom('model_versions as v')
      .leftJoin('registered_models as m', 'm.model_id', 'v.model_id')
      .select(['m.name', 'v.version'])
      .where('v.status', '=', 'PENDING_REGISTRATION')
      .where('v.current_stage', '!=', DELETED_STAGE)
      .execute()
  }

  /** Every dataset version (they cannot be deleted). Left joins: a row without its parent still counts. */
  datasetVersions(): Promise<DatasetVersionObjectsRow[]> {
    return this.db
      .selectFrom('dataset_versions as v')
      .leftJoin('datasets as d', 'd.dataset_id', 'v.dataset_id')
      .select(['d.name', 'v.version_id', 'v.index_oid', 'v.pinned', 'v.table_digest'])
      .execute()
  }

  /**
   * Every content id in the snapshot stat cache, page by page. A snapshot writes its pinned files'
   * hashes here batch by batch, long before its version row exists, so this is the only trace in
   * the database of a snapshot in progress.
   */
  async *statCacheOids(): AsyncGenerator<string[]> {
    let after: { datastore_id: number; path: string } | undefined
    for (;;) {
      let q = this.db
        .selectFrom('dataset_stat_cache')
        .select(['datastore_id', 'path', 'oid'])
        .orderBy('datastore_id')
        .orderBy('path')
        .limit(STAT_CACHE_PAGE)
      if (after) {
        const a = after
        q = q.where((eb) =>
          eb.or([eb('datastore_id', '>', a.datastore_id), eb.and([eb('datastore_id', '=', a.datastore_id), eb('path', '>', a.path)])]),
        )
      }
      const rows = await q.execute()
      if (rows.length > 0) yield rows.map((r) => r.oid)
      if (rows.length < STAT_CACHE_PAGE) return
      const last = rows[rows.length - 1]
      after = { datastore_id: last.datastore_id, path: last.path }
    }
  }

  /**
   * Whether this database ever stored an object: a model version was created (the append-only
   * audit log remembers it after the model is deleted) or a dataset version was taken. A database
   * that never did cannot be the one the objects belong to.
   */
  async everStoredObjects(): Promise<boolean> {
    const audit = await this.db.selectFrom('audit_log').select('id').where('action', '=', 'model_version.created').limit(1).executeTakeFirst()
    if (audit) return true
    const version = await this.db.selectFrom('dataset_versions').select('dataset_id').limit(1).executeTakeFirst()
    return version !== undefined
  }
}
