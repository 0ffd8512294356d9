import { CompiledQuery, PostgresAdapter } from 'kysely'
import type { DatasetsDb } from './datasets-schema.js'

export interface StatCacheEntry {
  path: string
  size: number
  marker: string
  oid: string
}

const LOOKUP_KEYS = 1000
const COLUMNS = 'datastore_id, path, size, marker, oid'
const REPLACE = 'ON CONFLICT (datastore_id, path) DO UPDATE SET size = excluded.size, marker = excluded.marker, oid = excluded.oid'
// One array per column: PostgreSQL parses 5 parameters instead of 5,000, under one SQL text.
const POSTGRES_UPSERT = `INSERT INTO dataset_stat_cache (${COLUMNS})
  SELECT $1, p, s, m, o FROM unnest($2::text[], $3::int8[], $4::text[], $5::text[]) AS u(p, s, m, o) ${REPLACE}`
// SQLite statements come in power-of-two row counts only, so a few texts (each compiled once in the
// driver's statement cache) serve every batch size; 5 × 512 parameters is far below SQLite's 32,766.
const SQLITE_BLOCKS = [512, 256, 128, 64, 32, 16, 8, 4, 2, 1]

/**
 * The hash of each datastore file as last seen (path, size, change marker). One statement per page
 * of files, never one per file: a re-snapshot of 100,000 unchanged files is about 100 lookups.
 */
export class StatCacheRepo {
  private readonly postgres: boolean
  private readonly sqliteTexts = new Map<number, string>()

  constructor(private readonly db: DatasetsDb) {
    this.postgres = db.getExecutor().adapter instanceof PostgresAdapter
  }

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

  /**
   * Records entries, replacing older ones of the same paths. Written as SQL text rather than built
   * with Kysely: building a 500-row insert node by node cost more than the database took to run it.
   */
  async upsert(datastoreId: number, entries: StatCacheEntry[]): Promise<void> {
    if (entries.length === 0) return
    if (this.postgres) {
      const params = [datastoreId, entries.map((e) => e.path), entries.map((e) => e.size), entries.map((e) => e.marker), entries.map((e) => e.oid)]
      await this.db.executeQuery(CompiledQuery.raw(POSTGRES_UPSERT, params))
      return
    }
    const queries = this.sqliteBlocks(datastoreId, entries)
    if (queries.length === 1) {
      await this.db.executeQuery(queries[0])
      return
    }
    await this.db.transaction().execute(async (tx) => {
      for (const q of queries) await tx.executeQuery(q)
    })
  }

  private sqliteBlocks(datastoreId: number, entries: StatCacheEntry[]): CompiledQuery[] {
    const out: CompiledQuery[] = []
    let from = 0
    for (const rows of SQLITE_BLOCKS) {
      for (; entries.length - from >= rows; from += rows) {
        let text = this.sqliteTexts.get(rows)
        if (text === undefined) {
          text = `INSERT INTO dataset_stat_cache (${COLUMNS}) VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?)').join(', ')} ${REPLACE}`
          this.sqliteTexts.set(rows, text)
        }
        const params = new Array<unknown>(rows * 5)
        let p = 0
        for (let j = from; j < from + rows; j++) {
          const e = entries[j]
          params[p++] = datastoreId
          params[p++] = e.path
          params[p++] = e.size
          params[p++] = e.marker
          params[p++] = e.oid
        }
        out.push(CompiledQuery.raw(text, params))
      }
    }
    return out
  }
}
