import type { DatasetsDb } from './datasets-schema.js'

export interface StatCacheEntry {
  path: string
  size: number
  marker: string
  oid: string
}

// 5 columns × 500 rows stays far below both dialects' parameter limits (SQLite 32,766, PostgreSQL 65,535).
const UPSERT_ROWS = 500
const LOOKUP_KEYS = 1000

/**
 * The hash of each datastore file as last seen (path, size, change marker). One statement per page
 * of files, never one per file: a re-snapshot of 100,000 unchanged files is about 100 lookups.
 */
export class StatCacheRepo {
  constructor(private readonly db: DatasetsDb) {}

  /** The cached entries of these paths (any size or marker); the caller compares. */
  async lookup(datastoreId: number, paths: string[]): Promise<StatCacheEntry[]> {
    const out: StatCacheEntry[] = []
    for (let i = 0; i < paths.length; i += LOOKUP_KEYS) {
      const chunk = paths.slice(i, i + LOOKUP_KEYS)
      const rows = await this.db
        .selectFrom('dataset_stat_cache')
        .select(['path', 'size', 'marker', 'oid'])
        .where('datastore_id', '=', datastoreId)
        .where('path', 'in', chunk)
        .execute()
      out.push(...rows)
    }
    return out
  }

  /**
   * The cached entries with paths from `first` to `last` inclusive, in byte order: for a sorted page
   * of files this is one index range scan, cheaper than binding a thousand parameters.
   */
  lookupRange(datastoreId: number, first: string, last: string): Promise<StatCacheEntry[]> {
    return this.db
      .selectFrom('dataset_stat_cache')
      .select(['path', 'size', 'marker', 'oid'])
      .where('datastore_id', '=', datastoreId)
      .where('path', '>=', first)
      .where('path', '<=', last)
      .execute()
  }

  async upsert(datastoreId: number, entries: StatCacheEntry[]): Promise<void> {
    if (entries.length === 0) return
    await this.db.transaction().execute(async (tx) => {
      for (let i = 0; i < entries.length; i += UPSERT_ROWS) {
        const rows = entries.slice(i, i + UPSERT_ROWS).map((e) => ({ datastore_id: datastoreId, ...e }))
        await tx
          .insertInto('dataset_stat_cache')
          .values(rows)
          .onConflict((oc) =>
            oc.columns(['datastore_id', 'path']).doUpdateSet((eb) => ({
              size: eb.ref('excluded.size'),
              marker: eb.ref('excluded.marker'),
              oid: eb.ref('excluded.oid'),
            })),
          )
          .execute()
      }
    })
  }
}
