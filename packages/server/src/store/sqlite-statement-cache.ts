import type Sqlite from 'better-sqlite3'

/**
 * Compiled statements by SQL text. Kysely prepares every query afresh, and compiling SQL costs
 * more than running it for the small statements a request makes. Bounded (least recently used
 * out), since statements with IN lists or multi-row VALUES vary in length.
 */
export class StatementCache {
  private readonly cache = new Map<string, Sqlite.Statement>()

  constructor(
    private readonly db: Sqlite.Database,
    private readonly max = 200,
  ) {}

  prepare(sql: string): Sqlite.Statement {
    const hit = this.cache.get(sql)
    // A statement still iterating (a streamed query) cannot run again; give the caller its own.
    if (hit && !hit.busy) {
      this.cache.delete(sql)
      this.cache.set(sql, hit)
      return hit
    }
    const stmt = this.db.prepare(sql)
    if (!hit) {
      this.cache.set(sql, stmt)
      if (this.cache.size > this.max) this.cache.delete(this.cache.keys().next().value!)
    }
    return stmt
  }
}
