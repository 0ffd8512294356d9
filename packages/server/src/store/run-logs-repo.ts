import { sql, type Kysely } from 'kysely'
import type { RunLogLine } from '@railyard/api'
import type { DialectCaps } from './dialects.js'
import type { Database } from './schema.js'

export interface NewRunLogLine {
  stream: 'stdout' | 'stderr'
  timestamp: number
  line: string
}

/** SQL for run output logs: numbered lines per run, appended and read in order. */
export class RunLogsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly caps: DialectCaps,
  ) {}

  /**
   * Appends lines after the run's last one and returns the seqs they got, or undefined when the
   * run does not exist. Parallel appends, also from other server processes, never share a seq.
   */
  async append(runId: string, lines: NewRunLogLine[]): Promise<{ first: number; last: number } | undefined> {
    if (lines.length === 0) return { first: 0, last: 0 }
    if (this.caps.name === 'postgres') {
      // Under READ COMMITTED two statements could read the same MAX(seq); locking the run's row
      // serializes appends per run across processes. NO KEY UPDATE leaves foreign-key checks of
      // other writers (metrics, tags) unblocked.
      return this.db.transaction().execute(async (tx) => {
        const run = await tx
          .selectFrom('runs')
          .select('run_uuid')
          .where('run_uuid', '=', runId)
          .forNoKeyUpdate()
          .executeTakeFirst()
        if (!run) return undefined
        return seqRange(await insertAfterLast(tx, runId, lines))
      })
    }
    // SQLite takes its write lock when a writing statement starts, so reading MAX(seq) and
    // inserting in one statement is atomic even across processes.
    try {
      return seqRange(await insertAfterLast(this.db, runId, lines))
    } catch (err) {
      if ((err as { code?: string })?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return undefined
      throw err
    }
  }

  /**
   * Appends lines only if the log's last seq is `firstSeq - 1`. Otherwise: `{ repeated }` when the
   * log already holds these lines (same stream and text) at these seqs, else `{ conflict }` with
   * its last seq; undefined when the run does not exist. One conditional statement on SQLite (its
   * write lock makes it atomic); a transaction holding the run's row on PostgreSQL.
   */
  async appendAt(
    runId: string,
    firstSeq: number,
    lines: NewRunLogLine[],
  ): Promise<{ appended: { first: number; last: number } } | { repeated: { first: number; last: number } } | { conflict: number } | undefined> {
    const attempt = async (db: Kysely<Database>) => {
      const seqs = await insertAfterLast(db, runId, lines, firstSeq - 1)
      if (seqs.length) return { appended: seqRange(seqs) }
      if (!(await runExists(db, runId))) return undefined
      const stored = await this.readIn(db, runId, firstSeq - 1, lines.length)
      const same = stored.length === lines.length && stored.every((s, i) => s.seq === firstSeq + i && s.stream === lines[i].stream && s.line === lines[i].line)
      return same ? { repeated: { first: firstSeq, last: firstSeq + lines.length - 1 } } : { conflict: await this.lastSeqIn(db, runId) }
    }
    if (this.caps.name === 'postgres') {
      return this.db.transaction().execute(async (tx) => {
        const run = await tx.selectFrom('runs').select('run_uuid').where('run_uuid', '=', runId).forNoKeyUpdate().executeTakeFirst()
        return run ? attempt(tx) : undefined
      })
    }
    try {
      return await attempt(this.db)
    } catch (err) {
      if ((err as { code?: string })?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return undefined
      throw err
    }
  }

  /** Up to `limit` lines with seq > afterSeq, oldest first. */
  read(runId: string, afterSeq: number, limit: number): Promise<RunLogLine[]> {
    return this.readIn(this.db, runId, afterSeq, limit)
  }

  private async readIn(db: Kysely<Database>, runId: string, afterSeq: number, limit: number): Promise<RunLogLine[]> {
    const rows = await db
      .selectFrom('run_logs')
      .select(['seq', 'stream', 'timestamp', 'line'])
      .where('run_uuid', '=', runId)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute()
    return rows.map((r) => ({
      seq: Number(r.seq),
      stream: r.stream as RunLogLine['stream'],
      timestamp: Number(r.timestamp),
      line: r.line,
    }))
  }

  /** The run's last seq, 0 when it has no lines. */
  lastSeq(runId: string): Promise<number> {
    return this.lastSeqIn(this.db, runId)
  }

  private async lastSeqIn(db: Kysely<Database>, runId: string): Promise<number> {
    const row = await db
      .selectFrom('run_logs')
      .select((eb) => eb.fn.max('seq').as('last'))
      .where('run_uuid', '=', runId)
      .executeTakeFirst()
    return Number(row?.last ?? 0)
  }
}

async function runExists(db: Kysely<Database>, runId: string): Promise<boolean> {
  return (await db.selectFrom('runs').select('run_uuid').where('run_uuid', '=', runId).executeTakeFirst()) !== undefined
}

/** Inserts after the run's last line; with `onlyAfter`, only when that is the last seq now. */
async function insertAfterLast(db: Kysely<Database>, runId: string, lines: NewRunLogLine[], onlyAfter?: number): Promise<number[]> {
  // Casts give PostgreSQL the VALUES columns' types (bare parameters would be text); both
  // dialects name VALUES columns column1, column2, …
  const values = sql.join(
    lines.map(
      (l, i) =>
        sql`(CAST(${i + 1} AS bigint), CAST(${l.stream} AS varchar(8)), CAST(${l.timestamp} AS bigint), CAST(${l.line} AS text))`,
    ),
  )
  const result = await sql<{ seq: number | string }>`
    INSERT INTO run_logs (run_uuid, seq, stream, "timestamp", line)
    SELECT ${runId}, base.last_seq + v.column1, v.column2, v.column3, v.column4
    FROM (SELECT COALESCE(MAX(seq), 0) AS last_seq FROM run_logs WHERE run_uuid = ${runId}) AS base
    CROSS JOIN (VALUES ${values}) AS v
    ${onlyAfter === undefined ? sql`` : sql`WHERE base.last_seq = ${onlyAfter}`}
    RETURNING seq`.execute(db)
  return result.rows.map((r) => Number(r.seq))
}

function seqRange(seqs: number[]): { first: number; last: number } {
  return { first: Math.min(...seqs), last: Math.max(...seqs) }
}
