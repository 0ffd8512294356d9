import type Sqlite from 'better-sqlite3'
import type { SqliteDatabase } from 'kysely'

/**
 * Wraps a better-sqlite3 database for Kysely so prepare() reuses compiled statements: Kysely
 * prepares every query afresh, and compiling SQL costs more than running it for the small
 * statements a request makes. The cache is keyed by SQL text and bounded (least recently used
 * out), since statements with IN lists or multi-row VALUES vary in length.
 */
export function withStatementCache(db: Sqlite.Database, max = 200): SqliteDatabase {
  const cache = new Map<string, Sqlite.Statement>()
  return {
    close: () => db.close(),
    prepare(sql: string) {
      const hit = cache.get(sql)
      // A statement still iterating (a streamed query) cannot run again; give the caller its own.
      if (hit && !hit.busy) {
        cache.delete(sql)
        cache.set(sql, hit)
        return hit
      }
      const stmt = db.prepare(sql)
      if (!hit) {
        cache.set(sql, stmt)
        if (cache.size > max) cache.delete(cache.keys().next().value!)
      }
      return stmt
    },
  }
}
