import type Sqlite from 'better-sqlite3'
import {
  SelectQueryNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from 'kysely'
import { StatementCache } from './sqlite-statement-cache.js'

/**
 * Kysely's SQLite dialect with group commit. A COMMIT in WAL mode writes every page the
 * transaction touched, and that write was the largest single cost of a small request (a run
 * create, a log-batch of a few values). Here concurrent transactions share one SQLite
 * transaction: each runs inside its own SAVEPOINT (so its failure undoes only its own writes),
 * lets the next transaction in as soon as its statements are done, and its commit resolves once
 * the shared COMMIT, issued on the next turn of the event loop, has succeeded. A failed COMMIT
 * rejects every transaction of the group. Callers see no difference except that a transaction
 * that waited for nothing still waits one event-loop turn for its commit.
 *
 * Outside transactions, a statement that writes first commits the open group, so it is durable
 * when its promise resolves; plain reads run inside the open group and so see writes whose
 * transaction has finished but whose COMMIT is a loop turn away (the same process's writes).
 */
export class GroupCommitSqliteDialect implements Dialect {
  constructor(private readonly db: Sqlite.Database) {}

  createDriver(): Driver {
    return new GroupCommitSqliteDriver(this.db)
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler()
  }

  createAdapter() {
    return new SqliteAdapter()
  }

  createIntrospector(db: Kysely<any>) {
    return new SqliteIntrospector(db)
  }
}

const MEMBER = 'railyard_group_member'

interface Waiter {
  resolve(): void
  reject(err: unknown): void
}

class GroupCommitSqliteDriver implements Driver {
  private readonly statements: StatementCache
  private readonly mutex = new Mutex()
  /** A BEGIN was issued and its COMMIT is still to come. */
  private groupOpen = false
  /** Transactions whose statements are done, waiting for the group's COMMIT. */
  private waiters: Waiter[] = []
  private flushScheduled = false

  constructor(private readonly db: Sqlite.Database) {
    this.statements = new StatementCache(db)
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.mutex.lock()
    return new GroupConnection(this)
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const conn = connection as GroupConnection
    if (!this.groupOpen) {
      // IMMEDIATE takes the write lock now. A deferred group would read at one snapshot and could
      // then fail a later member's write with SQLITE_BUSY_SNAPSHOT if another process (a second
      // server on the same file) committed in between; this way that process waits instead.
      this.exec('BEGIN IMMEDIATE')
      this.groupOpen = true
    }
    this.exec(`SAVEPOINT ${MEMBER}`)
    conn.inTransaction = true
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const conn = connection as GroupConnection
    this.exec(`RELEASE ${MEMBER}`)
    conn.inTransaction = false
    const committed = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }))
    // The next transaction may start while this one waits for the shared COMMIT.
    this.release(conn)
    this.scheduleFlush()
    return committed
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const conn = connection as GroupConnection
    // Not in its savepoint any more: its group's COMMIT failed and nothing is left to undo.
    if (!conn.inTransaction) return
    conn.inTransaction = false
    try {
      this.exec(`ROLLBACK TO ${MEMBER}`)
      this.exec(`RELEASE ${MEMBER}`)
    } catch (err) {
      // Some errors (disk full, I/O) make SQLite roll back the whole transaction, and with it
      // the writes of the group's finished members: they must not be reported committed.
      if (this.db.inTransaction) throw err
      this.failGroup(err)
      return
    }
    if (!this.db.inTransaction) this.failGroup(new Error('SQLite rolled back the shared transaction'))
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await this.nested(connection, 'savepoint', name)
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await this.nested(connection, 'rollback to', name)
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await this.nested(connection, 'release', name)
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    this.release(connection as GroupConnection)
  }

  async destroy(): Promise<void> {
    await this.mutex.lock()
    try {
      this.commitGroup()
    } finally {
      this.mutex.unlock()
    }
    this.db.close()
  }

  /** Runs one statement for a connection that holds the lock. */
  execute(conn: GroupConnection, query: CompiledQuery): QueryResult<unknown> {
    const stmt = this.statements.prepare(query.sql)
    if (!conn.inTransaction && !stmt.readonly) this.commitGroup()
    if (stmt.reader) return { rows: stmt.all(query.parameters as unknown[]) }
    const { changes, lastInsertRowid } = stmt.run(query.parameters as unknown[])
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] }
  }

  *stream(conn: GroupConnection, query: CompiledQuery): IterableIterator<QueryResult<unknown>> {
    if (!SelectQueryNode.is(query.query)) throw new Error('Sqlite driver only supports streaming of select queries')
    const stmt = this.statements.prepare(query.sql)
    for (const row of stmt.iterate(query.parameters as unknown[])) yield { rows: [row] }
  }

  /** Kysely's savepoints inside a transaction, nested in its member savepoint. */
  private async nested(_connection: DatabaseConnection, command: string, name: string): Promise<void> {
    this.exec(`${command} "${name.replace(/"/g, '""')}"`)
  }

  private release(conn: GroupConnection): void {
    if (conn.released) return
    conn.released = true
    this.mutex.unlock()
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return
    this.flushScheduled = true
    setImmediate(() => void this.flush())
  }

  private async flush(): Promise<void> {
    await this.mutex.lock()
    this.flushScheduled = false
    try {
      this.commitGroup()
    } finally {
      this.mutex.unlock()
    }
  }

  /** COMMITs the open group and settles its waiters; the caller holds the lock. */
  private commitGroup(): void {
    if (!this.groupOpen) return
    const waiters = this.takeGroup()
    try {
      this.exec('COMMIT')
    } catch (err) {
      if (this.db.inTransaction) {
        try {
          this.exec('ROLLBACK')
        } catch {
          // The COMMIT's error is the one to report.
        }
      }
      for (const w of waiters) w.reject(err)
      return
    }
    for (const w of waiters) w.resolve()
  }

  private failGroup(err: unknown): void {
    for (const w of this.takeGroup()) w.reject(err)
  }

  private takeGroup(): Waiter[] {
    const waiters = this.waiters
    this.waiters = []
    this.groupOpen = false
    return waiters
  }

  private exec(sql: string): void {
    this.statements.prepare(sql).run()
  }
}

/** One acquisition of the single SQLite connection: a query, or a whole transaction. */
class GroupConnection implements DatabaseConnection {
  inTransaction = false
  released = false

  constructor(private readonly driver: GroupCommitSqliteDriver) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.driver.execute(this, query) as QueryResult<R>
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    for (const result of this.driver.stream(this, query)) yield result as QueryResult<R>
  }
}

/** First come, first served lock over the one connection, as in Kysely's SQLite driver. */
class Mutex {
  private held: Promise<void> | undefined
  private unlockHeld: (() => void) | undefined

  async lock(): Promise<void> {
    while (this.held) await this.held
    this.held = new Promise((resolve) => (this.unlockHeld = resolve))
  }

  unlock(): void {
    const unlock = this.unlockHeld
    this.held = undefined
    this.unlockHeld = undefined
    unlock?.()
  }
}
