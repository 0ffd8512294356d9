import type { Kysely, Selectable } from 'kysely'
import { doubleToWire, type LoggedModel, type LoggedModelMetric, type ModelInput, type ModelOutput, type Tag } from '@railyard/api'
import type { Database } from './schema.js'
import type { DialectCaps } from './dialects.js'
import type { LoggedModelTable, LoggedModelTables, LoggedModelsDb } from './logged-models-schema.js'
import { searchLoggedModelIds, type LoggedModelSearchQuery } from './logged-model-search.js'

export type LoggedModelRow = Selectable<LoggedModelTable>

/** A metric point to link to a logged model; NaN and ±Infinity included. */
export interface LoggedModelPoint {
  modelId: string
  key: string
  value: number
  timestamp: number
  step: number
  datasetName?: string
  datasetDigest?: string
}

/** SQL for logged models, their tags, params and metrics, and the runs linked to them. */
export class LoggedModelsRepo {
  private readonly db: LoggedModelsDb

  constructor(
    db: Kysely<Database>,
    private readonly caps: DialectCaps,
  ) {
    this.db = db.withTables<LoggedModelTables>()
  }

  async create(row: LoggedModelRow, params: Tag[], tags: Tag[]): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('logged_models').values(row).execute()
      if (params.length) await tx.insertInto('logged_model_params').values(params.map((p) => ({ model_id: row.model_id, ...p }))).execute()
      if (tags.length) await tx.insertInto('logged_model_tags').values(tags.map((t) => ({ model_id: row.model_id, ...t }))).execute()
    })
  }

  /** The model's row, deleted ones included. */
  async getRow(modelId: string): Promise<LoggedModelRow | undefined> {
    return this.db.selectFrom('logged_models').selectAll().where('model_id', '=', modelId).executeTakeFirst()
  }

  /** Which of `modelIds` exist and are not deleted. */
  async liveIds(modelIds: string[]): Promise<Set<string>> {
    if (modelIds.length === 0) return new Set()
    const rows = await this.db
      .selectFrom('logged_models')
      .select('model_id')
      .where('model_id', 'in', modelIds)
      .where('lifecycle_stage', '=', 'active')
      .execute()
    return new Set(rows.map((r) => r.model_id))
  }

  async update(modelId: string, patch: Partial<Pick<LoggedModelRow, 'status' | 'lifecycle_stage' | 'last_updated_timestamp_ms'>>): Promise<void> {
    await this.db.updateTable('logged_models').set(patch).where('model_id', '=', modelId).execute()
  }

  /** Params whose keys are new; the keys in `existing` keep their values (the service compares). */
  async addParams(modelId: string, params: Tag[]): Promise<void> {
    if (params.length === 0) return
    await this.db
      .insertInto('logged_model_params')
      .values(params.map((p) => ({ model_id: modelId, ...p })))
      .onConflict((oc) => oc.columns(['model_id', 'key']).doNothing())
      .execute()
  }

  async params(modelId: string): Promise<Map<string, string>> {
    const rows = await this.db.selectFrom('logged_model_params').select(['key', 'value']).where('model_id', '=', modelId).execute()
    return new Map(rows.map((r) => [r.key, r.value]))
  }

  /** Sets tags, replacing the values of keys already set; the last of a repeated key wins. */
  async setTags(modelId: string, tags: Tag[], now: number): Promise<void> {
    const last = new Map(tags.map((t) => [t.key, t.value]))
    await this.db.transaction().execute(async (tx) => {
      for (const [key, value] of last) {
        await tx
          .insertInto('logged_model_tags')
          .values({ model_id: modelId, key, value })
          .onConflict((oc) => oc.columns(['model_id', 'key']).doUpdateSet({ value }))
          .execute()
      }
      await tx.updateTable('logged_models').set({ last_updated_timestamp_ms: now }).where('model_id', '=', modelId).execute()
    })
  }

  /** Removes a tag; returns how many rows went (0 when the model had no such tag). */
  async deleteTag(modelId: string, key: string): Promise<number> {
    const res = await this.db.deleteFrom('logged_model_tags').where('model_id', '=', modelId).where('key', '=', key).executeTakeFirst()
    return Number(res.numDeletedRows)
  }

  /** Appends metric points of a run; a point already stored (a client retry) is kept once. */
  async insertMetrics(runId: string, experimentId: number, points: LoggedModelPoint[]): Promise<void> {
    if (points.length === 0) return
    const rows = points.map((p) => ({
      model_id: p.modelId,
      key: p.key,
      value: Number.isNaN(p.value) ? 0 : p.value,
      is_nan: Number.isNaN(p.value) ? 1 : 0,
      timestamp: p.timestamp,
      step: p.step,
      run_uuid: runId,
      experiment_id: experimentId,
      dataset_name: p.datasetName ?? '',
      dataset_digest: p.datasetDigest ?? '',
    }))
    // Chunked: ten columns per row stay below SQLite's and PostgreSQL's parameter limits.
    for (let i = 0; i < rows.length; i += 500) {
      await this.db.insertInto('logged_model_metrics').values(rows.slice(i, i + 500)).onConflict((oc) => oc.doNothing()).execute()
    }
  }

  /** Links logged models to a run as `input`s or `output`s; a link made twice is kept once. */
  async link(runId: string, direction: 'input' | 'output', models: ModelOutput[]): Promise<void> {
    if (models.length === 0) return
    await this.db
      .insertInto('run_model_links')
      .values(models.map((m) => ({ run_uuid: runId, direction, model_id: m.model_id, step: m.step })))
      .onConflict((oc) => oc.doNothing())
      .execute()
  }

  /** The logged models a run used and produced, in the order they were linked. */
  async runLinks(runId: string): Promise<{ inputs: ModelInput[]; outputs: ModelOutput[] }> {
    const rows = await this.db.selectFrom('run_model_links').selectAll().where('run_uuid', '=', runId).orderBy('model_id').orderBy('step').execute()
    return {
      inputs: rows.filter((r) => r.direction === 'input').map((r) => ({ model_id: r.model_id })),
      outputs: rows.filter((r) => r.direction === 'output').map((r) => ({ model_id: r.model_id, step: Number(r.step) })),
    }
  }

  search(q: LoggedModelSearchQuery): Promise<string[]> {
    return searchLoggedModelIds(this.db, this.caps, q)
  }

  /** Full entities for `modelIds`, in that order; ids without a row are skipped. */
  async hydrate(modelIds: string[]): Promise<LoggedModel[]> {
    if (modelIds.length === 0) return []
    const [rows, tags, params, metrics] = await Promise.all([
      this.db.selectFrom('logged_models').selectAll().where('model_id', 'in', modelIds).execute(),
      this.db.selectFrom('logged_model_tags').selectAll().where('model_id', 'in', modelIds).orderBy('key').execute(),
      this.db.selectFrom('logged_model_params').selectAll().where('model_id', 'in', modelIds).orderBy('key').execute(),
      this.db
        .selectFrom('logged_model_metrics')
        .selectAll()
        .where('model_id', 'in', modelIds)
        .orderBy('key')
        .orderBy('step')
        .orderBy('timestamp')
        .execute(),
    ])
    const byId = new Map<string, LoggedModel>()
    for (const r of rows) byId.set(r.model_id, { info: infoFromRow(r), data: {} })
    for (const t of tags) (byId.get(t.model_id)!.info.tags ??= []).push({ key: t.key, value: t.value })
    for (const p of params) (byId.get(p.model_id)!.data.params ??= []).push({ key: p.key, value: p.value })
    for (const m of metrics) (byId.get(m.model_id)!.data.metrics ??= []).push(metricFromRow(m))
    return modelIds.flatMap((id) => byId.get(id) ?? [])
  }
}

function infoFromRow(r: LoggedModelRow): LoggedModel['info'] {
  return {
    model_id: r.model_id,
    experiment_id: String(r.experiment_id),
    name: r.name,
    creation_timestamp_ms: Number(r.creation_timestamp_ms),
    last_updated_timestamp_ms: Number(r.last_updated_timestamp_ms),
    artifact_uri: r.artifact_location,
    status: r.status as LoggedModel['info']['status'],
    model_type: r.model_type ?? undefined,
    source_run_id: r.source_run_id ?? undefined,
    status_message: r.status_message ?? undefined,
  }
}

function metricFromRow(m: Selectable<LoggedModelTables['logged_model_metrics']>): LoggedModelMetric {
  return {
    key: m.key,
    value: m.is_nan ? 'NaN' : doubleToWire(Number(m.value)),
    timestamp: Number(m.timestamp),
    step: Number(m.step),
    dataset_name: m.dataset_name || undefined,
    dataset_digest: m.dataset_digest || undefined,
    model_id: m.model_id,
    run_id: m.run_uuid,
  }
}
