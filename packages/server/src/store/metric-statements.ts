import { CompiledQuery } from 'kysely'
import type { DialectName } from './dialects.js'
import type { MetricPoint } from './metrics-repo.js'

/** The value column of a point: NaN is stored as 0 with is_nan 1, so it can be indexed and deduplicated. */
export function storedValue(p: MetricPoint): number {
  return Number.isNaN(p.value) ? 0 : p.value
}

const COLUMNS = 'run_uuid, key, value, timestamp, step, is_nan'
const UNNEST = `SELECT $1, k, v, t, s, n FROM unnest($2::text[], $3::float8[], $4::int8[], $5::int8[], $6::int2[]) AS u(k, v, t, s, n)`
const LATEST_WINS = `ON CONFLICT (run_uuid, key) DO UPDATE SET
  value = excluded.value, timestamp = excluded.timestamp, step = excluded.step, is_nan = excluded.is_nan
  WHERE (excluded.step > latest_metrics.step
    OR (excluded.step = latest_metrics.step AND excluded.timestamp > latest_metrics.timestamp)
    OR (excluded.step = latest_metrics.step AND excluded.timestamp = latest_metrics.timestamp
        AND excluded.value > latest_metrics.value))`

// SQLite statements come in power-of-two row counts only, so ten texts (and compiled statements
// in the statement cache) serve every batch size: 1000 rows = 512 + 256 + 128 + 64 + 32 + 8.
const SQLITE_BLOCKS = [512, 256, 128, 64, 32, 16, 8, 4, 2, 1]

/**
 * The two statements of metric ingestion, written as SQL text rather than built with Kysely:
 * building and compiling a 1000-row insert node by node cost more than SQLite took to run it.
 */
export class MetricStatements {
  private readonly texts = new Map<string, string>()

  constructor(private readonly dialect: DialectName) {}

  /** Appends points; a point already stored (a client retry) is skipped by the unique index. */
  insertPoints(runId: string, rows: MetricPoint[]): CompiledQuery[] {
    if (this.dialect === 'postgres') {
      // One array per column: PostgreSQL parses 6 parameters instead of 6000.
      return [CompiledQuery.raw(`INSERT INTO metrics (${COLUMNS}) ${UNNEST} ON CONFLICT DO NOTHING`, columnArrays(runId, rows))]
    }
    return this.sqliteBlocks('insert', runId, rows, (n) => `INSERT INTO metrics (${COLUMNS}) VALUES ${tuples(n)} ON CONFLICT DO NOTHING`)
  }

  /**
   * Moves each key's latest value forward when the new row is later by (step, timestamp, value),
   * MLflow's order. `rows` must hold one point per key.
   */
  upsertLatest(runId: string, rows: MetricPoint[]): CompiledQuery[] {
    if (this.dialect === 'postgres') {
      return [CompiledQuery.raw(`INSERT INTO latest_metrics (${COLUMNS}) ${UNNEST} ${LATEST_WINS}`, columnArrays(runId, rows))]
    }
    return this.sqliteBlocks('latest', runId, rows, (n) => `INSERT INTO latest_metrics (${COLUMNS}) VALUES ${tuples(n)} ${LATEST_WINS}`)
  }

  private sqliteBlocks(name: string, runId: string, rows: MetricPoint[], make: (rows: number) => string): CompiledQuery[] {
    const out: CompiledQuery[] = []
    let i = 0
    for (const size of SQLITE_BLOCKS) {
      for (; rows.length - i >= size; i += size) {
        const key = `${name}:${size}`
        let text = this.texts.get(key)
        if (text === undefined) this.texts.set(key, (text = make(size)))
        out.push(CompiledQuery.raw(text, flatten(runId, rows, i, size)))
      }
    }
    return out
  }
}

function tuples(rows: number): string {
  return Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?)').join(', ')
}

function flatten(runId: string, rows: MetricPoint[], from: number, count: number): unknown[] {
  const params = new Array<unknown>(count * 6)
  let i = 0
  for (let j = from; j < from + count; j++) {
    const r = rows[j]
    const nan = Number.isNaN(r.value)
    params[i++] = runId
    params[i++] = r.key
    params[i++] = nan ? 0 : r.value
    params[i++] = r.timestamp
    params[i++] = r.step
    params[i++] = nan ? 1 : 0
  }
  return params
}

function columnArrays(runId: string, rows: MetricPoint[]): unknown[] {
  return [
    runId,
    rows.map((r) => r.key),
    rows.map(storedValue),
    rows.map((r) => r.timestamp),
    rows.map((r) => r.step),
    rows.map((r) => (Number.isNaN(r.value) ? 1 : 0)),
  ]
}
