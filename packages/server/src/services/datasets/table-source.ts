import fs from 'node:fs'
import Sqlite from 'better-sqlite3'
import pg from 'pg'
import { InvalidParameterError, type TableSource } from '@railyard/api'
import { sqliteFileFromUri } from '../../store/dialects.js'

/**
 * Table datasets: the rows of a SQL query on a SQLite or PostgreSQL database, as JSON Lines, one
 * object per row with the columns in query order. Rows are sorted by every column (SQLite) or by
 * the row's text form in byte order (PostgreSQL, where some types cannot be compared), so the same
 * data always gives the same bytes. Queries run read-only.
 */

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const FETCH_ROWS = 2000

/** Checks a table source on create; returns it as stored. */
export function checkTableSource(t: TableSource): TableSource {
  const query = stripQuery(t.query)
  if (!query) throw new InvalidParameterError('table.query is empty')
  if (t.password_env !== undefined && !ENV_NAME.test(t.password_env)) {
    throw new InvalidParameterError(`table.password_env must be an environment variable name, got '${t.password_env}'`)
  }
  const kind = sourceKind(t.source_uri)
  if (kind === 'postgres') {
    let url: URL
    try {
      url = new URL(t.source_uri)
    } catch {
      throw new InvalidParameterError(`Invalid table.source_uri '${redact(t.source_uri)}'`)
    }
    if (url.password) {
      throw new InvalidParameterError('table.source_uri must not contain a password; name the environment variable holding it in table.password_env')
    }
  } else if (t.password_env !== undefined) {
    throw new InvalidParameterError('table.password_env applies to PostgreSQL sources only')
  }
  return { source_uri: t.source_uri, query, ...(t.password_env ? { password_env: t.password_env } : {}) }
}

/** Runs the query once without rows, so a bad query or an unreachable database fails on create. */
export async function describeTable(t: TableSource, env: NodeJS.ProcessEnv): Promise<string[]> {
  let columns: string[] = []
  for await (const batch of tableRows(t, env, 0)) columns = batch.columns
  return columns
}

export interface RowBatch {
  columns: string[]
  /** JSON lines, each ending in `\n`. */
  lines: string[]
}

/** The ordered rows in batches; `limit` 0 only describes the columns. */
export async function* tableRows(t: TableSource, env: NodeJS.ProcessEnv, limit?: number): AsyncGenerator<RowBatch> {
  if (sourceKind(t.source_uri) === 'sqlite') yield* sqliteRows(t, limit)
  else yield* postgresRows(t, env, limit)
}

function sourceKind(uri: string): 'sqlite' | 'postgres' {
  if (/^postgres(ql)?:\/\//.test(uri)) return 'postgres'
  if (uri.startsWith('sqlite:')) return 'sqlite'
  throw new InvalidParameterError(`Unsupported table.source_uri '${redact(uri)}': use sqlite:/path/to/file.db or postgres://user@host:port/db`)
}

async function* sqliteRows(t: TableSource, limit?: number): AsyncGenerator<RowBatch> {
  const file = sqliteFileFromUri(t.source_uri)
  if (file === ':memory:' || !fs.existsSync(file)) throw new InvalidParameterError(`Table source: SQLite file ${file} does not exist`)
  let db: Sqlite.Database
  try {
    db = new Sqlite(file, { readonly: true, fileMustExist: true })
  } catch (err) {
    throw new InvalidParameterError(`Table source: cannot open SQLite file ${file}: ${(err as Error).message}`)
  }
  try {
    const query = stripQuery(t.query)
    let columns: string[]
    let stmt: Sqlite.Statement
    try {
      const probe = db.prepare(query)
      if (!probe.reader) throw new InvalidParameterError('Table source: the query returns no rows (use a SELECT)')
      columns = probe.columns().map((c) => c.name)
      const order = columns.map((_, i) => i + 1).join(', ')
      const sql = `SELECT * FROM (${query}) ORDER BY ${order}${limit === 0 ? ' LIMIT 0' : ''}`
      stmt = db.prepare(sql).raw(true).safeIntegers(true)
    } catch (err) {
      if (err instanceof InvalidParameterError) throw err
      throw new InvalidParameterError(`Table source query failed: ${(err as Error).message}`)
    }
    const rows = stmt.iterate() as IterableIterator<unknown[]>
    for (;;) {
      const lines: string[] = []
      let done = false
      while (lines.length < FETCH_ROWS) {
        const next = rows.next()
        if (next.done) {
          done = true
          break
        }
        lines.push(rowLine(columns, next.value))
      }
      yield { columns, lines }
      if (done) return
    }
  } finally {
    db.close()
  }
}

async function* postgresRows(t: TableSource, env: NodeJS.ProcessEnv, limit?: number): AsyncGenerator<RowBatch> {
  const password = t.password_env ? env[t.password_env] : undefined
  if (t.password_env && password === undefined) {
    throw new InvalidParameterError(`Table source: environment variable ${t.password_env} (the database password) is not set on the server`)
  }
  // node-postgres lets the connection string override a separate password, so it goes in there.
  const url = new URL(t.source_uri)
  if (password !== undefined) url.password = encodeURIComponent(password)
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000, types: { getTypeParser: parserFor } })
  client.on('error', () => {})
  try {
    await client.connect()
  } catch (err) {
    await client.end().catch(() => {})
    throw new InvalidParameterError(`Table source: cannot connect to ${redact(t.source_uri)}: ${(err as Error).message}`)
  }
  try {
    const query = stripQuery(t.query)
    let open = false
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
      const sql = `SELECT * FROM (${query}) AS railyard_q ORDER BY railyard_q::text COLLATE "C"${limit === 0 ? ' LIMIT 0' : ''}`
      await client.query(`DECLARE railyard_rows NO SCROLL CURSOR FOR ${sql}`)
      open = true
    } catch (err) {
      throw new InvalidParameterError(`Table source query failed: ${(err as Error).message}`)
    }
    for (;;) {
      const res = await client.query({ text: `FETCH ${FETCH_ROWS} FROM railyard_rows`, rowMode: 'array' })
      const columns = res.fields.map((f) => f.name)
      yield { columns, lines: (res.rows as unknown[][]).map((r) => rowLine(columns, r)) }
      if (res.rows.length < FETCH_ROWS) break
    }
    if (open) await client.query('COMMIT')
  } finally {
    await client.end().catch(() => {})
  }
}

/** Numbers, booleans and JSON as themselves; everything else (numeric, dates, …) as PostgreSQL's exact text. */
function parserFor(oid: number): (value: string) => unknown {
  switch (oid) {
    case 16:
      return (v) => v === 't'
    case 20:
    case 21:
    case 23:
    case 26:
      return (v) => (Number.isSafeInteger(Number(v)) ? Number(v) : v)
    case 700:
    case 701:
      return (v) => (Number.isFinite(Number(v)) ? Number(v) : v)
    case 114:
    case 3802:
      return (v) => JSON.parse(v)
    default:
      return (v) => v
  }
}

// Built by hand so duplicate column names (`SELECT a, a`) keep both values.
function rowLine(columns: string[], values: unknown[]): string {
  let line = '{'
  for (let i = 0; i < columns.length; i++) {
    if (i) line += ','
    line += `${JSON.stringify(columns[i])}:${jsonValue(values[i])}`
  }
  return `${line}}\n`
}

function jsonValue(v: unknown): string {
  if (v === null || v === undefined) return 'null'
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? v.toString() : JSON.stringify(v.toString())
  if (Buffer.isBuffer(v)) return JSON.stringify(v.toString('base64'))
  if (v instanceof Date) return JSON.stringify(v.toISOString())
  return JSON.stringify(v) ?? 'null'
}

function stripQuery(query: string): string {
  return query.trim().replace(/;+\s*$/, '').trim()
}

function redact(uri: string): string {
  return uri.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@')
}
