import type { Kysely, Selectable, Transaction } from 'kysely'
import {
  InvalidParameterError,
  doubleToWire,
  type DatasetInput,
  type LifecycleStage,
  type Param,
  type Run,
  type RunInfo,
  type RunStatus,
  type Tag,
} from '@railyard/api'
import type { Database, RunTable } from './schema.js'
import type { DialectCaps } from './dialects.js'
import { MetricsRepo, type MetricPoint } from './metrics-repo.js'

export type RunRow = Selectable<RunTable>

export interface NewRun {
  runId: string
  experimentId: number
  name: string
  userId: string
  startTime: number
  artifactUri: string
  tags: Tag[]
}

export interface RunPatch {
  status?: RunStatus
  endTime?: number
  name?: string
}

export interface BatchWrite {
  metrics: MetricPoint[]
  params: Param[]
  tags: Tag[]
}

export function runInfoFromRow(r: RunRow): RunInfo {
  return {
    run_id: r.run_uuid,
    run_uuid: r.run_uuid,
    run_name: r.name,
    experiment_id: String(r.experiment_id),
    user_id: r.user_id,
    status: r.status as RunStatus,
    start_time: Number(r.start_time),
    end_time: r.end_time === null ? undefined : Number(r.end_time),
    artifact_uri: r.artifact_uri,
    lifecycle_stage: r.lifecycle_stage as LifecycleStage,
  }
}

/** SQL for runs and what they log (params, tags, inputs; metrics via MetricsRepo). */
export class RunsRepo {
  readonly metrics: MetricsRepo

  constructor(
    private readonly db: Kysely<Database>,
    private readonly caps: DialectCaps,
  ) {
    this.metrics = new MetricsRepo(db, caps)
  }

  /** Inserts a run and its tags; returns it as get() would, without reading back the run row. */
  async create(run: NewRun): Promise<Run> {
    const row: RunRow = {
      run_uuid: run.runId,
      name: run.name,
      experiment_id: run.experimentId,
      user_id: run.userId,
      status: 'RUNNING',
      start_time: run.startTime,
      end_time: null,
      lifecycle_stage: 'active',
      artifact_uri: run.artifactUri,
      deleted_time: null,
    }
    const tags = await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('runs').values(row).execute()
      await upsertTags(tx, run.runId, run.tags)
      // Listed in the database's key order, as get() lists them. SQLite's is byte order, known
      // without asking; PostgreSQL's depends on the database's collation, so it is read back.
      if (this.caps.name === 'sqlite') return inByteOrder(run.tags)
      return tx.selectFrom('tags').select(['key', 'value']).where('run_uuid', '=', run.runId).orderBy('key').execute()
    })
    // A new run has no params, metrics or inputs yet.
    return { info: runInfoFromRow(row), data: tags.length > 0 ? { tags } : {}, inputs: {} }
  }

  async getRow(runId: string): Promise<RunRow | undefined> {
    return this.db.selectFrom('runs').selectAll().where('run_uuid', '=', runId).executeTakeFirst()
  }

  async get(runId: string): Promise<Run | undefined> {
    const row = await this.getRow(runId)
    if (!row) return undefined
    return (await this.hydrate([row]))[0]
  }

  /** Loads runs with their data in a handful of queries, keeping the order of `rows`. */
  async hydrate(rows: RunRow[]): Promise<Run[]> {
    if (rows.length === 0) return []
    const ids = rows.map((r) => r.run_uuid)
    const runs = new Map<string, Run>()
    for (const r of rows) runs.set(r.run_uuid, { info: runInfoFromRow(r), data: {}, inputs: {} })
    // Chunked so a page of 50,000 runs stays under every driver's parameter limit.
    for (let i = 0; i < ids.length; i += 5000) {
      const chunk = ids.slice(i, i + 5000)
      const [params, tags, metrics, inputs] = await Promise.all([
        this.db.selectFrom('params').selectAll().where('run_uuid', 'in', chunk).orderBy('key').execute(),
        this.db.selectFrom('tags').selectAll().where('run_uuid', 'in', chunk).orderBy('key').execute(),
        this.db.selectFrom('latest_metrics').selectAll().where('run_uuid', 'in', chunk).orderBy('key').execute(),
        this.db.selectFrom('run_inputs').selectAll().where('run_uuid', 'in', chunk).execute(),
      ])
      for (const p of params) push(runs.get(p.run_uuid)!.data, 'params', { key: p.key, value: p.value })
      for (const t of tags) push(runs.get(t.run_uuid)!.data, 'tags', { key: t.key, value: t.value })
      for (const m of metrics) {
        push(runs.get(m.run_uuid)!.data, 'metrics', {
          key: m.key,
          value: m.is_nan ? 'NaN' : doubleToWire(Number(m.value)),
          timestamp: Number(m.timestamp),
          step: Number(m.step),
        })
      }
      for (const d of inputs) {
        const tagList = JSON.parse(d.tags) as Tag[]
        const input: DatasetInput = {
          tags: tagList.length ? tagList : undefined,
          dataset: {
            name: d.name,
            digest: d.digest,
            source_type: d.source_type,
            source: d.source,
            schema: d.schema ?? undefined,
            profile: d.profile ?? undefined,
          },
        }
        push(runs.get(d.run_uuid)!.inputs, 'dataset_inputs', input)
      }
    }
    return ids.map((id) => runs.get(id)!)
  }

  async update(runId: string, patch: RunPatch): Promise<void> {
    const set: Partial<RunRow> = {}
    if (patch.status !== undefined) set.status = patch.status
    if (patch.endTime !== undefined) set.end_time = patch.endTime
    if (patch.name !== undefined) set.name = patch.name
    if (Object.keys(set).length === 0) return
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('runs').set(set).where('run_uuid', '=', runId).execute()
      // MLflow keeps the run name in the mlflow.runName tag too; clients read either.
      if (patch.name !== undefined) await upsertTags(tx, runId, [{ key: 'mlflow.runName', value: patch.name }])
    })
  }

  async setLifecycle(runId: string, stage: LifecycleStage, now: number): Promise<void> {
    await this.db
      .updateTable('runs')
      .set({ lifecycle_stage: stage, deleted_time: stage === 'deleted' ? now : null })
      .where('run_uuid', '=', runId)
      .execute()
  }

  /**
   * Writes a batch atomically: params are write-once (a different value for an existing key is
   * rejected and nothing of the batch is stored), tags are upserted, metrics appended.
   */
  async writeBatch(runId: string, batch: BatchWrite): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      if (batch.params.length > 0) await insertParams(tx, runId, batch.params)
      if (batch.tags.length > 0) await upsertTags(tx, runId, batch.tags)
      if (batch.metrics.length > 0) await this.metrics.insertIn(tx, runId, batch.metrics)
    })
  }

  async deleteTag(runId: string, key: string): Promise<number> {
    const res = await this.db.deleteFrom('tags').where('run_uuid', '=', runId).where('key', '=', key).executeTakeFirst()
    return Number(res.numDeletedRows)
  }

  /** Records dataset inputs; logging the same (name, digest) again replaces its tags. */
  async logInputs(runId: string, inputs: DatasetInput[]): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      for (const input of inputs) {
        const d = input.dataset
        const row = {
          run_uuid: runId,
          name: d.name,
          digest: d.digest,
          source_type: d.source_type,
          source: d.source,
          schema: d.schema ?? null,
          profile: d.profile ?? null,
          tags: JSON.stringify(input.tags ?? []),
        }
        await tx
          .insertInto('run_inputs')
          .values(row)
          .onConflict((oc) => oc.columns(['run_uuid', 'name', 'digest']).doUpdateSet({ tags: row.tags }))
          .execute()
      }
    })
  }
}

function push<T extends object, K extends keyof T>(target: T, key: K, item: NonNullable<T[K]> extends Array<infer E> ? E : never) {
  const list = (target[key] ??= [] as T[K]) as unknown as unknown[]
  list.push(item)
}

/** Tags as SQLite's BINARY collation orders them (UTF-8 bytes), the last value of a repeated key winning. */
function inByteOrder(tags: Tag[]): Tag[] {
  const unique = [...new Map(tags.map((t) => [t.key, t.value]))].map(([key, value]) => ({ key, value }))
  return unique.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)))
}

async function upsertTags(tx: Transaction<Database>, runId: string, tags: Tag[]): Promise<void> {
  if (tags.length === 0) return
  // Last value wins when a batch sets the same key twice, as in MLflow.
  const unique = new Map(tags.map((t) => [t.key, t.value]))
  await tx
    .insertInto('tags')
    .values([...unique].map(([key, value]) => ({ run_uuid: runId, key, value })))
    .onConflict((oc) => oc.columns(['run_uuid', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
    .execute()
}

async function insertParams(tx: Transaction<Database>, runId: string, params: Param[]): Promise<void> {
  // Insert first and look only at the keys that were already there: a fresh batch (the common
  // case) costs one statement. A changed value throws, and the caller's transaction undoes the batch.
  const inserted = await tx
    .insertInto('params')
    .values(params.map((p) => ({ run_uuid: runId, key: p.key, value: p.value })))
    .onConflict((oc) => oc.columns(['run_uuid', 'key']).doNothing())
    .returning('key')
    .execute()
  if (inserted.length === params.length) return
  const fresh = new Set(inserted.map((r) => r.key))
  const logged = params.filter((p) => !fresh.has(p.key))
  const existing = await tx
    .selectFrom('params')
    .select(['key', 'value'])
    .where('run_uuid', '=', runId)
    .where(
      'key',
      'in',
      logged.map((p) => p.key),
    )
    .execute()
  const old = new Map(existing.map((p) => [p.key, p.value]))
  for (const p of logged) {
    const prev = old.get(p.key)
    if (prev !== undefined && prev !== p.value) {
      throw new InvalidParameterError(
        `Changing param values is not allowed. Param with key='${p.key}' was already logged with ` +
          `value='${prev}' for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
      )
    }
  }
}
