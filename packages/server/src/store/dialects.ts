import fs from 'node:fs'
import path from 'node:path'
import Sqlite from 'better-sqlite3'
import pg from 'pg'
import { Kysely, PostgresDialect } from 'kysely'
import { InvalidParameterError } from '@railyard/api'
import type { Database } from './schema.js'
import { GroupCommitSqliteDialect } from './sqlite-group-commit.js'

export type DialectName = 'sqlite' | 'postgres'

/** What differs between the two SQL dialects, as flags the repositories can ask. */
export interface DialectCaps {
  name: DialectName
  /** Column type of an auto-incrementing integer primary key. */
  serialType: 'integer' | 'serial'
  /** Whether the unique-violation error of this driver has this shape. */
  isUniqueViolation(err: unknown): boolean
}

export interface OpenedDatabase {
  db: Kysely<Database>
  caps: DialectCaps
}

const sqliteCaps: DialectCaps = {
  name: 'sqlite',
  serialType: 'integer',
  isUniqueViolation: (err) =>
    typeof err === 'object' && err !== null && String((err as { code?: string }).code).startsWith('SQLITE_CONSTRAINT'),
}

const postgresCaps: DialectCaps = {
  name: 'postgres',
  serialType: 'serial',
  isUniqueViolation: (err) => (err as { code?: string })?.code === '23505',
}

/** int8 and numeric arrive from node-postgres as strings; our int64 values fit in a double. */
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (value: string) => Number(value)
    return pg.types.getTypeParser(oid, format as 'text')
  },
}

/**
 * Opens the metadata database named by a backend-store URI:
 * `postgresql://…` / `postgres://…`, `sqlite:///abs/file.db`, `sqlite:rel/file.db`,
 * `sqlite::memory:`, or a bare path to a SQLite file.
 */
export function openDatabase(uri: string): OpenedDatabase {
  if (/^postgres(ql)?:\/\//.test(uri)) {
    const pool = new pg.Pool({ connectionString: uri, max: 10, types: pgTypes })
    // An idle client that loses its server must not crash the process.
    pool.on('error', () => {})
    return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), caps: postgresCaps }
  }
  const file = sqliteFileFromUri(uri)
  const isNew = file !== ':memory:' && !fs.existsSync(file)
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true })
  // A new database is readable by its owner only: it holds token hashes, the audit log and, without
  // RAILYARD_SECRET_KEY, webhook secrets. SQLite gives the -wal and -shm files the same mode.
  if (isNew) fs.closeSync(fs.openSync(file, 'a', 0o600))
  const sqlite = new Sqlite(file)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  // A checkpoint (which fsyncs) every 10,000 WAL pages (~40 MB) rather than SQLite's 1,000: at
  // 1,000 the checkpoints blocked the event loop for most of the time a run create spent in COMMIT.
  sqlite.pragma('wal_autocheckpoint = 10000')
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('foreign_keys = ON')
  return { db: new Kysely<Database>({ dialect: new GroupCommitSqliteDialect(sqlite) }), caps: sqliteCaps }
}

export function sqliteFileFromUri(uri: string): string {
  if (uri === 'sqlite::memory:' || uri === ':memory:') return ':memory:'
  if (uri.startsWith('sqlite:///')) return uri.slice('sqlite://'.length)
  if (uri.startsWith('sqlite://')) return path.resolve(uri.slice('sqlite://'.length))
  if (uri.startsWith('sqlite:')) return path.resolve(uri.slice('sqlite:'.length))
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new InvalidParameterError(
      `Unsupported backend store URI '${uri}': use postgresql://…, sqlite:///path/to/file.db or a file path`,
    )
  }
  return path.resolve(uri)
}
