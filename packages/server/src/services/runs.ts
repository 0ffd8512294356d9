import {
  InvalidParameterError,
  LIMITS,
  NotFoundError,
  PermissionDeniedError,
  RUN_STATUSES,
  toDouble,
  toInt,
  type RequestOf,
  type Run,
  type RunInfo,
  type RunStatus,
  type Tag,
} from '@railyard/api'
import type { Store } from '../store/store.js'
import { runInfoFromRow, type RunRow } from '../store/runs-repo.js'
import type { MetricPoint } from '../store/metrics-repo.js'
import type { ExperimentsService } from './experiments.js'
import { DEFAULT_EXPERIMENT_ID } from './experiments.js'
import { generateRunName } from './run-names.js'
import { newRunId } from './run-ids.js'
import { decodePageToken, page } from './page-token.js'
import { pageSize, parseExperimentId, validateKey, validateLength, validateRunId } from './validation.js'
import { parseViewType } from './view-type.js'
import { modelPointsOf, requireLiveModels } from './logged-model-metrics.js'

type RunRef = { run_id?: string; run_uuid?: string }
type MetricIn = { key: string; value: number | string; timestamp: number | string; step?: number | string }

// Who ran the run, as MLflow's UI shows it.
const USER_TAG = 'mlflow.user'

/** Rules for runs: lifecycle, write-once params, MLflow's batch limits and name checks. */
export class RunsService {
  constructor(
    private readonly store: Store,
    private readonly experiments: ExperimentsService,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * `verifiedUser` is the token's user under `--auth`: it becomes the run's user and its
   * `mlflow.user` tag whatever the client claims, so "who ran this" can be trusted.
   */
  async create(req: RequestOf<'createRun'>, verifiedUser?: string): Promise<{ run: Run }> {
    const exp = await this.experiments.get(req.experiment_id || DEFAULT_EXPERIMENT_ID)
    if (exp.lifecycle_stage !== 'active') {
      throw new InvalidParameterError(`The experiment ${exp.experiment_id} must be in the 'active' state. Current state is ${exp.lifecycle_stage}.`)
    }
    const claimed = req.tags ?? []
    for (const t of claimed) validateTag(t)
    const tags = verifiedUser ? [...claimed.filter((t) => t.key !== USER_TAG), { key: USER_TAG, value: verifiedUser }] : claimed
    const tagName = tags.find((t) => t.key === 'mlflow.runName')?.value
    if (req.run_name && tagName && req.run_name !== tagName) {
      throw new InvalidParameterError(`Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${req.run_name}', mlflow.runName='${tagName}').`)
    }
    const name = req.run_name || tagName || generateRunName()
    const runId = newRunId()
    const userId = verifiedUser ?? req.user_id ?? tags.find((t) => t.key === USER_TAG)?.value ?? ''
    const run = await this.store.runs.create({
      runId,
      experimentId: Number(exp.experiment_id),
      name,
      userId,
      startTime: toInt(req.start_time) ?? this.now(),
      artifactUri: `${exp.artifact_location}/${runId}/artifacts`,
      tags: [...tags.filter((t) => t.key !== 'mlflow.runName'), { key: 'mlflow.runName', value: name }],
    })
    return { run }
  }

  async get(ref: RunRef): Promise<Run> {
    const runId = validateRunId(ref.run_id || ref.run_uuid)
    const run = await this.store.runs.get(runId)
    if (!run) throw new NotFoundError(`Run with id=${runId} not found`)
    // MLflow 3: the logged models the run used and produced.
    const links = await this.store.loggedModels.runLinks(runId)
    if (links.inputs.length) run.inputs.model_inputs = links.inputs
    if (links.outputs.length) run.outputs = { model_outputs: links.outputs }
    return run
  }

  async update(req: RequestOf<'updateRun'>): Promise<{ run_info: RunInfo }> {
    // MLflow's SQL store refuses to update a deleted run, like any other write.
    const row = await this.activeRow(req)
    let status: RunStatus | undefined
    if (req.status !== undefined) status = parseStatus(req.status)
    if (req.run_name !== undefined) validateLength(req.run_name, LIMITS.keyLength, 'run_name')
    await this.store.runs.update(row.run_uuid, { status, endTime: toInt(req.end_time), name: req.run_name || undefined })
    return { run_info: runInfoFromRow((await this.store.runs.getRow(row.run_uuid))!) }
  }

  async delete(runId: string): Promise<void> {
    const row = await this.row({ run_id: runId })
    await this.store.runs.setLifecycle(row.run_uuid, 'deleted', this.now())
  }

  async restore(runId: string): Promise<void> {
    const row = await this.row({ run_id: runId })
    await this.store.runs.setLifecycle(row.run_uuid, 'active', this.now())
  }

  async logMetric(req: RequestOf<'logMetric'>): Promise<void> {
    const row = await this.activeRow(req)
    const point = toPoint(req)
    const modelPoints = await modelPointsOf(this.store, [req], [point])
    await this.store.runs.metrics.insert(row.run_uuid, [point])
    await this.store.loggedModels.insertMetrics(row.run_uuid, row.experiment_id, modelPoints)
  }

  async logParam(req: RequestOf<'logParam'>): Promise<void> {
    const row = await this.activeRow(req)
    validateParam(req)
    await this.store.runs.writeBatch(row.run_uuid, { metrics: [], params: [{ key: req.key, value: req.value }], tags: [] })
  }

  /** With `verifiedUser` (under `--auth`), `mlflow.user` is left as create set it: see create. */
  async setTag(req: RequestOf<'setTag'>, verifiedUser?: string): Promise<void> {
    const row = await this.activeRow(req)
    validateTag(req)
    if (verifiedUser && req.key === USER_TAG) return
    await this.store.runs.writeBatch(row.run_uuid, { metrics: [], params: [], tags: [{ key: req.key, value: req.value }] })
    if (req.key === 'mlflow.runName') await this.store.runs.update(row.run_uuid, { name: req.value })
  }

  async deleteTag(runId: string, key: string, verifiedUser?: string): Promise<void> {
    const row = await this.activeRow({ run_id: runId })
    if (verifiedUser && key === USER_TAG) {
      throw new PermissionDeniedError(`The ${USER_TAG} tag is the user of the token that created the run, and stays with authentication on`)
    }
    const removed = await this.store.runs.deleteTag(row.run_uuid, key)
    if (removed === 0) throw new NotFoundError(`No tag with name: ${key} in run with id ${runId}`)
  }

  /**
   * MLflow's log-batch: limits and names are checked first, then everything is written in one
   * transaction. With `verifiedUser`, an `mlflow.user` tag is dropped (`railyard run -r` sends the
   * local OS user when it joins a run).
   */
  async logBatch(req: RequestOf<'logBatch'>, verifiedUser?: string): Promise<void> {
    const metrics = req.metrics ?? []
    const params = req.params ?? []
    const tags = (req.tags ?? []).filter((t) => !(verifiedUser && t.key === USER_TAG))
    checkBatchLimits(metrics.length, params.length, tags.length)
    const seen = new Map<string, string>()
    for (const p of params) {
      validateParam(p)
      const prev = seen.get(p.key)
      if (prev !== undefined && prev !== p.value) {
        throw new InvalidParameterError(`Duplicate parameter keys have been submitted: ['${p.key}']. Please ensure the request contains only one param value per param key.`)
      }
      seen.set(p.key, p.value)
    }
    for (const t of tags) validateTag(t)
    // A batch repeats a few keys many times (10 keys × 100 steps): check each key once.
    const checkedKeys = new Set<string>()
    const points = metrics.map((m) => toPoint(m, checkedKeys))
    const row = await this.activeRow(req)
    const modelPoints = await modelPointsOf(this.store, metrics, points)
    const uniqueParams = [...seen].map(([key, value]) => ({ key, value }))
    await this.store.runs.writeBatch(row.run_uuid, { metrics: points, params: uniqueParams, tags })
    await this.store.loggedModels.insertMetrics(row.run_uuid, row.experiment_id, modelPoints)
    const nameTag = tags.filter((t) => t.key === 'mlflow.runName').pop()
    if (nameTag) await this.store.runs.update(row.run_uuid, { name: nameTag.value })
  }

  async logInputs(req: RequestOf<'logInputs'>): Promise<void> {
    const row = await this.activeRow(req)
    const datasets = req.datasets ?? []
    for (const { dataset: d, tags } of datasets) {
      validateLength(d.name, LIMITS.datasetNameLength, 'Dataset name')
      validateLength(d.digest, LIMITS.datasetDigestLength, 'Dataset digest')
      validateLength(d.source, LIMITS.datasetSourceLength, 'Dataset source')
      if (d.schema) validateLength(d.schema, LIMITS.datasetSchemaLength, 'Dataset schema')
      if (d.profile) validateLength(d.profile, LIMITS.datasetProfileLength, 'Dataset profile')
      for (const t of tags ?? []) {
        validateLength(t.key, LIMITS.inputTagKeyLength, 'Input tag key')
        validateLength(t.value, LIMITS.inputTagValueLength, `Input tag '${t.key}' value`)
      }
    }
    const models = req.models ?? []
    await requireLiveModels(this.store, models.map((m) => m.model_id))
    await this.store.runs.logInputs(row.run_uuid, datasets)
    await this.store.loggedModels.link(row.run_uuid, 'input', models.map((m) => ({ model_id: m.model_id, step: 0 })))
  }

  /** Appends the model's JSON to the `mlflow.log-model.history` tag, as MLflow does. */
  async logModel(runId: string, modelJson: string): Promise<void> {
    const row = await this.activeRow({ run_id: runId })
    let model: unknown
    try {
      model = JSON.parse(modelJson)
    } catch {
      throw new InvalidParameterError(`Invalid value for parameter 'model_json': it is not valid JSON.`)
    }
    const run = (await this.store.runs.get(row.run_uuid))!
    const prev = run.data.tags?.find((t) => t.key === 'mlflow.log-model.history')?.value
    const history = prev ? (JSON.parse(prev) as unknown[]) : []
    history.push(model)
    await this.store.runs.writeBatch(row.run_uuid, {
      metrics: [],
      params: [],
      tags: [{ key: 'mlflow.log-model.history', value: JSON.stringify(history) }],
    })
  }

  async search(req: RequestOf<'searchRuns'>): Promise<{ runs: Run[]; next_page_token?: string }> {
    const size = pageSize(toInt(req.max_results), LIMITS.searchRunsDefault, LIMITS.searchRunsMax)
    const offset = decodePageToken(req.page_token)
    const experimentIds: number[] = []
    for (const id of req.experiment_ids ?? []) {
      try {
        experimentIds.push(parseExperimentId(id))
      } catch (err) {
        // An id that cannot exist matches no runs, as in MLflow.
        if (!(err instanceof NotFoundError)) throw err
      }
    }
    const rows = await this.store.searchRuns({
      experimentIds,
      filter: req.filter,
      orderBy: req.order_by ?? [],
      viewType: parseViewType(req.run_view_type, 'run_view_type'),
      offset,
      limit: size + 1,
    })
    const { items, nextPageToken } = page(rows, offset, size)
    return { runs: await this.store.runs.hydrate(items), next_page_token: nextPageToken }
  }

  async metricHistory(req: RequestOf<'getMetricHistory'>) {
    const row = await this.row(req)
    if (!req.metric_key) throw new InvalidParameterError(`Missing value for required parameter 'metric_key'.`)
    const offset = decodePageToken(req.page_token)
    // Without max_results MLflow returns the whole history; older clients rely on that.
    const size = req.max_results === undefined && !req.page_token
      ? Number.MAX_SAFE_INTEGER - 1
      : pageSize(toInt(req.max_results), LIMITS.metricHistoryMax, LIMITS.metricHistoryMax)
    const rows = await this.store.runs.metrics.history(row.run_uuid, req.metric_key, offset, size + 1)
    const { items, nextPageToken } = page(rows, offset, size)
    return { metrics: items, next_page_token: nextPageToken }
  }

  async metricHistoryBulkInterval(req: RequestOf<'getMetricHistoryBulkInterval'>) {
    const runIds = req.run_ids ?? []
    if (runIds.length === 0) throw new InvalidParameterError(`Missing value for required parameter 'run_ids'.`)
    if (runIds.length > 100) throw new InvalidParameterError(`GetMetricHistoryBulkInterval request must specify at most 100 run_ids. Received ${runIds.length} run_ids.`)
    for (const id of runIds) await this.row({ run_id: id })
    const max = pageSize(toInt(req.max_results), 320, 2500)
    const start = toInt(req.start_step)
    const end = toInt(req.end_step)
    if ((start === undefined) !== (end === undefined)) {
      throw new InvalidParameterError('If either start step or end step are specified, both must be specified.')
    }
    if (start !== undefined && end !== undefined && end < start) {
      throw new InvalidParameterError(`end_step must be greater than start_step. Found start_step=${start} and end_step=${end}.`)
    }
    return { metrics: await this.store.runs.metrics.historyForRuns(runIds, req.metric_key, start, end, max) }
  }

  /** The run's row; RESOURCE_DOES_NOT_EXIST when absent. */
  async row(ref: RunRef): Promise<RunRow> {
    const runId = validateRunId(ref.run_id || ref.run_uuid)
    const row = await this.store.runs.getRow(runId)
    if (!row) throw new NotFoundError(`Run with id=${runId} not found`)
    return row
  }

  /** The run's row, which must not be deleted: MLflow refuses to log into deleted runs. */
  async activeRow(ref: RunRef): Promise<RunRow> {
    const row = await this.row(ref)
    if (row.lifecycle_stage !== 'active') {
      throw new InvalidParameterError(`The run ${row.run_uuid} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`)
    }
    return row
  }
}

function parseStatus(value: string): RunStatus {
  const upper = value.toUpperCase()
  if ((RUN_STATUSES as readonly string[]).includes(upper)) return upper as RunStatus
  const byNumber = RUN_STATUSES[Number(value) - 1]
  if (/^[1-5]$/.test(value) && byNumber) return byNumber
  throw new InvalidParameterError(`Invalid value '${value}' for parameter 'status': expected one of ${RUN_STATUSES.join(', ')}.`)
}

function toPoint(m: MetricIn, checkedKeys?: Set<string>): MetricPoint {
  if (!checkedKeys?.has(m.key)) {
    validateKey(m.key, 'metric')
    checkedKeys?.add(m.key)
  }
  const value = toDouble(m.value)
  if (Number.isNaN(value) && m.value !== 'NaN' && !Number.isNaN(m.value as number)) {
    throw new InvalidParameterError(`Got invalid value ${m.value} for metric '${m.key}' (timestamp=${m.timestamp}). Please specify value as a valid double (64-bit floating point)`)
  }
  const timestamp = toInt(m.timestamp)!
  const step = toInt(m.step) ?? 0
  if (!Number.isSafeInteger(timestamp) || !Number.isSafeInteger(step)) {
    throw new InvalidParameterError(`Invalid timestamp or step for metric '${m.key}': both must be 64-bit integers.`)
  }
  return { key: m.key, value, timestamp, step }
}

function validateParam(p: { key: string; value: string }): void {
  validateKey(p.key, 'param')
  validateLength(p.value, LIMITS.paramValueLength, `Param value '${p.value.slice(0, 20)}…'`)
}

function validateTag(t: Tag): void {
  validateKey(t.key, 'tag')
  validateLength(t.value, LIMITS.runTagValueLength, `Tag '${t.key}' value`)
}

function checkBatchLimits(metrics: number, params: number, tags: number): void {
  const over = (n: number, max: number, what: string) => {
    if (n > max) throw new InvalidParameterError(`A batch logging request can contain at most ${max} ${what}. Got ${n} ${what}. Please split up ${what} across multiple requests and try again.`)
  }
  over(metrics, LIMITS.batchMetrics, 'metrics')
  over(params, LIMITS.batchParams, 'params')
  over(tags, LIMITS.batchTags, 'tags')
  const total = metrics + params + tags
  if (total > LIMITS.batchTotal) {
    throw new InvalidParameterError(`A batch logging request can contain at most ${LIMITS.batchTotal} total entities (metrics, params and tags). Got ${total} entities.`)
  }
}
