import type { Kysely, Transaction } from 'kysely'
import { doubleToWire, type Metric, type MetricWithRunId } from '@railyard/api'
import type { Database } from './schema.js'
import type { DialectCaps } from './dialects.js'
import { MetricStatements, storedValue } from './metric-statements.js'

export interface MetricPoint {
  key: string
  /** Any double, NaN and ±Infinity included. */
  value: number
  timestamp: number
  step: number
}

/** Metric history and the latest value per key that searches read. */
export class MetricsRepo {
  private readonly statements: MetricStatements

  constructor(
    private readonly db: Kysely<Database>,
    caps: DialectCaps,
  ) {
    this.statements = new MetricStatements(caps.name)
  }

  async insert(runId: string, points: MetricPoint[]): Promise<void> {
    await this.db.transaction().execute((tx) => this.insertIn(tx, runId, points))
  }

  /**
   * Appends points (an identical point sent twice, as by a client retry, is kept once) and moves
   * each key's latest value forward by (step, timestamp, value), MLflow's order.
   */
  async insertIn(tx: Transaction<Database>, runId: string, points: MetricPoint[]): Promise<void> {
    if (points.length === 0) return
    for (const q of this.statements.insertPoints(runId, points)) await tx.executeQuery(q)
    const latest = new Map<string, MetricPoint>()
    for (const p of points) {
      const prev = latest.get(p.key)
      if (!prev || isAfter(p, prev)) latest.set(p.key, p)
    }
    for (const q of this.statements.upsertLatest(runId, [...latest.values()])) await tx.executeQuery(q)
  }

  /** One page of a key's history, ordered by step then timestamp. */
  async history(runId: string, key: string, offset: number, limit: number): Promise<Metric[]> {
    const rows = await this.db
      .selectFrom('metrics')
      .select(['key', 'value', 'timestamp', 'step', 'is_nan'])
      .where('run_uuid', '=', runId)
      .where('key', '=', key)
      .orderBy('step')
      .orderBy('timestamp')
      .orderBy('value')
      .offset(offset)
      .limit(limit)
      .execute()
    return rows.map(fromRow)
  }

  /** Points of one key for several runs within [startStep, endStep], sampled to at most `maxResults` per run. */
  async historyForRuns(
    runIds: string[],
    key: string,
    startStep: number | undefined,
    endStep: number | undefined,
    maxResults: number,
  ): Promise<MetricWithRunId[]> {
    const out: MetricWithRunId[] = []
    for (const runId of runIds) {
      let q = this.db
        .selectFrom('metrics')
        .select(['key', 'value', 'timestamp', 'step', 'is_nan'])
        .where('run_uuid', '=', runId)
        .where('key', '=', key)
      if (startStep !== undefined) q = q.where('step', '>=', startStep)
      if (endStep !== undefined) q = q.where('step', '<=', endStep)
      const rows = await q.orderBy('step').orderBy('timestamp').execute()
      for (const m of sampleEvenly(rows, maxResults)) out.push({ ...fromRow(m), run_id: runId })
    }
    return out
  }
}

/** Whether a is later than b by (step, timestamp, stored value), the order the latest_metrics upsert applies. */
function isAfter(a: MetricPoint, b: MetricPoint): boolean {
  if (a.step !== b.step) return a.step > b.step
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp
  return storedValue(a) > storedValue(b)
}

function fromRow(m: { key: string; value: number; timestamp: number; step: number; is_nan: number }): Metric {
  return {
    key: m.key,
    value: m.is_nan ? 'NaN' : doubleToWire(Number(m.value)),
    timestamp: Number(m.timestamp),
    step: Number(m.step),
  }
}

/** Keeps the first and last point and spreads the rest evenly, as the MLflow UI expects of bulk-interval. */
export function sampleEvenly<T>(rows: T[], max: number): T[] {
  if (rows.length <= max) return rows
  if (max <= 1) return rows.slice(-1)
  const out: T[] = []
  const stride = (rows.length - 1) / (max - 1)
  for (let i = 0; i < max; i++) out.push(rows[Math.round(i * stride)])
  return out
}
