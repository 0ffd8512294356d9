import { randomUUID } from 'node:crypto'
import {
  InvalidParameterError,
  LIMITS,
  LOGGED_MODEL_STATUSES,
  NotFoundError,
  toInt,
  type LoggedModel,
  type LoggedModelRequestOf,
  type LoggedModelStatus,
  type Tag,
} from '@railyard/api'
import type { Store } from '../store/store.js'
import type { LoggedModelRow } from '../store/logged-models-repo.js'
import type { ArtifactFile, ArtifactsService } from './artifacts.js'
import type { ExperimentsService } from './experiments.js'
import type { RunsService } from './runs.js'
import { requireLiveModels } from './logged-model-metrics.js'
import { generateRunName } from './run-names.js'
import { decodePageToken, page } from './page-token.js'
import { pageSize, validateKey, validateLength } from './validation.js'

// MLflow's SQL store default when the client sends no max_results; it sets no maximum of its own.
const SEARCH_DEFAULT = 100
const SEARCH_MAX = 50000
// mlflow/utils/validation.py `_validate_logged_model_name`.
const NAME_FORBIDDEN = ['/', ':', '.', '%', '"', "'"]

/**
 * MLflow 3's logged models: a model with its own artifact location (files arrive through the
 * mlflow-artifacts proxy), write-once params, tags, the metrics runs log for it, and the runs that
 * used or produced it. Deleting marks the model; a deleted model is not found by get or search.
 */
export class LoggedModelsService {
  constructor(
    private readonly store: Store,
    private readonly experiments: ExperimentsService,
    private readonly runs: RunsService,
    private readonly artifacts: ArtifactsService,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new PENDING model in an active experiment, its files to go under `artifact_uri`. */
  async create(req: LoggedModelRequestOf<'createLoggedModel'>): Promise<{ model: LoggedModel }> {
    const experiment = await this.experiments.get(req.experiment_id)
    if (experiment.lifecycle_stage !== 'active') {
      throw new InvalidParameterError(
        `The experiment ${experiment.experiment_id} must be in the 'active' state. Current state is ${experiment.lifecycle_stage}.`,
      )
    }
    if (req.name !== undefined && req.name !== '') validateName(req.name)
    if (req.model_type) validateLength(req.model_type, 500, 'model_type')
    if (req.source_run_id) await this.runs.row({ run_id: req.source_run_id })
    const params = uniqueParams(req.params ?? [])
    const tags = lastOfEachKey(req.tags ?? [])
    for (const t of tags) validateTag(t)
    const modelId = `m-${randomUUID().replaceAll('-', '')}`
    const now = this.now()
    const row: LoggedModelRow = {
      model_id: modelId,
      experiment_id: Number(experiment.experiment_id),
      name: req.name || generateRunName(),
      artifact_location: `${experiment.artifact_location.replace(/\/+$/, '')}/models/${modelId}/artifacts`,
      creation_timestamp_ms: now,
      last_updated_timestamp_ms: now,
      status: 'LOGGED_MODEL_PENDING',
      status_message: null,
      lifecycle_stage: 'active',
      model_type: req.model_type || null,
      source_run_id: req.source_run_id || null,
    }
    await this.store.loggedModels.create(row, params, tags)
    return { model: await this.get(modelId) }
  }

  /** The live model; RESOURCE_DOES_NOT_EXIST when unknown or deleted. */
  async get(modelId: string): Promise<LoggedModel> {
    await this.row(modelId)
    return (await this.store.loggedModels.hydrate([modelId]))[0]
  }

  /** Sets the final status: READY once the files are uploaded, UPLOAD_FAILED when that failed. */
  async finalize(modelId: string, req: LoggedModelRequestOf<'finalizeLoggedModel'>): Promise<{ model: LoggedModel }> {
    sameModel(modelId, req.model_id)
    const status = parseStatus(req.status)
    await this.row(modelId)
    await this.store.loggedModels.update(modelId, { status, last_updated_timestamp_ms: this.now() })
    return { model: await this.get(modelId) }
  }

  /** Marks the model deleted; deleting it again is not an error (MLflow answers {} too). */
  async delete(modelId: string, bodyModelId?: string): Promise<void> {
    sameModel(modelId, bodyModelId)
    const row = await this.store.loggedModels.getRow(modelId)
    if (!row) throw notFound(modelId)
    await this.store.loggedModels.update(modelId, { lifecycle_stage: 'deleted', last_updated_timestamp_ms: this.now() })
  }

  async setTags(modelId: string, req: LoggedModelRequestOf<'setLoggedModelTags'>): Promise<{ model: LoggedModel }> {
    sameModel(modelId, req.model_id)
    const tags = req.tags ?? []
    for (const t of tags) validateTag(t)
    await this.row(modelId)
    await this.store.loggedModels.setTags(modelId, tags, this.now())
    return { model: await this.get(modelId) }
  }

  async deleteTag(modelId: string, key: string | undefined): Promise<void> {
    if (!key) throw new InvalidParameterError(`Missing value for required parameter 'tag_key'.`)
    await this.row(modelId)
    if ((await this.store.loggedModels.deleteTag(modelId, key)) === 0) {
      throw new NotFoundError(`No tag with key '${key}' found for model with ID '${modelId}'.`)
    }
  }

  /** Params are write-once, like a run's: the same value again is fine, a different one is not. */
  async logParams(modelId: string, req: LoggedModelRequestOf<'logLoggedModelParams'>): Promise<void> {
    sameModel(modelId, req.model_id)
    const params = uniqueParams(req.params ?? [])
    await this.row(modelId)
    const existing = await this.store.loggedModels.params(modelId)
    for (const p of params) {
      const old = existing.get(p.key)
      if (old !== undefined && old !== p.value) {
        throw new InvalidParameterError(
          `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${old}' for logged model ID='${modelId}'. Attempted logging new value '${p.value}'.`,
        )
      }
    }
    await this.store.loggedModels.addParams(modelId, params)
  }

  /**
   * Live models of the given experiments matching the filter, a page at a time. Sorted by the
   * `order_by` entries (attributes or `metrics.<k>`, optionally on a dataset), then newest first.
   */
  async search(req: LoggedModelRequestOf<'searchLoggedModels'>): Promise<{ models: LoggedModel[]; next_page_token?: string }> {
    if (!req.experiment_ids || req.experiment_ids.length === 0) {
      throw new InvalidParameterError(`Missing value for required parameter 'experiment_ids'.`)
    }
    const datasets = req.datasets ?? []
    if (datasets.some((d) => !d.dataset_name)) {
      throw new InvalidParameterError('`dataset_name` in the `datasets` clause must be specified.')
    }
    const size = pageSize(toInt(req.max_results), SEARCH_DEFAULT, SEARCH_MAX)
    const offset = decodePageToken(req.page_token)
    // Ids that cannot be ours match no models, as in a run search.
    const experimentIds = req.experiment_ids.filter((id) => /^\d+$/.test(id)).map(Number).filter(Number.isSafeInteger)
    const ids = await this.store.loggedModels.search({
      experimentIds,
      filter: req.filter,
      datasets,
      orderBy: req.order_by ?? [],
      offset,
      limit: size + 1,
    })
    const { items, nextPageToken } = page(ids, offset, size)
    return { models: await this.store.loggedModels.hydrate(items), next_page_token: nextPageToken }
  }

  /** What is in the folder `path` of the model's artifacts, paths relative to its artifact root. */
  async listArtifacts(
    modelId: string,
    req: LoggedModelRequestOf<'listLoggedModelArtifacts'>,
  ): Promise<{ root_uri: string; files: ArtifactFile[] }> {
    const row = await this.row(modelId)
    return { root_uri: row.artifact_location, files: await this.artifacts.listAt(row.artifact_location, req.artifact_directory_path) }
  }

  /** LogOutputs: records that an active run produced these models, each at a step. */
  async logOutputs(req: LoggedModelRequestOf<'logOutputs'>): Promise<void> {
    const run = await this.runs.activeRow(req)
    const models = (req.models ?? []).map((m) => {
      if (!m.model_id) throw new InvalidParameterError(`Missing value for required parameter 'models.model_id'.`)
      const step = toInt(m.step)!
      if (!Number.isSafeInteger(step)) throw new InvalidParameterError(`Invalid step ${m.step} for model '${m.model_id}'.`)
      return { model_id: m.model_id, step }
    })
    await requireLiveModels(this.store, models.map((m) => m.model_id))
    await this.store.loggedModels.link(run.run_uuid, 'output', models)
  }

  /** The live model's row; RESOURCE_DOES_NOT_EXIST when unknown or deleted. */
  async row(modelId: string): Promise<LoggedModelRow> {
    const row = await this.store.loggedModels.getRow(modelId)
    if (!row || row.lifecycle_stage !== 'active') throw notFound(modelId)
    return row
  }
}

function notFound(modelId: string): NotFoundError {
  return new NotFoundError(`Logged model with ID '${modelId}' not found.`)
}

/** MLflow's client repeats the path's model id in some bodies; the two must agree. */
function sameModel(pathId: string, bodyId: string | undefined): void {
  if (bodyId !== undefined && bodyId !== '' && bodyId !== pathId) {
    throw new InvalidParameterError(`The model_id '${bodyId}' in the request body does not match '${pathId}' in the path.`)
  }
}

function validateName(name: string): void {
  validateLength(name, 500, 'Model name')
  if (NAME_FORBIDDEN.some((c) => name.includes(c))) {
    throw new InvalidParameterError(
      `Invalid model name ('${name}') provided. Model name must be a non-empty string and cannot contain the following characters: ${NAME_FORBIDDEN.join(' ')}`,
    )
  }
}

/** A status name (`LOGGED_MODEL_READY`, or `READY`) or its enum number. */
function parseStatus(value: string | number): LoggedModelStatus {
  const byNumber = typeof value === 'number' || /^\d+$/.test(value) ? LOGGED_MODEL_STATUSES[Number(value) - 1] : undefined
  if (byNumber) return byNumber
  if (typeof value === 'string') {
    const upper = value.toUpperCase()
    const name = (upper.startsWith('LOGGED_MODEL_') ? upper : `LOGGED_MODEL_${upper}`) as LoggedModelStatus
    if (LOGGED_MODEL_STATUSES.includes(name)) return name
  }
  throw new InvalidParameterError(`Invalid value '${value}' for parameter 'status': expected one of ${LOGGED_MODEL_STATUSES.join(', ')}.`)
}

function validateParam(p: Tag): void {
  validateKey(p.key, 'param')
  validateLength(p.value, LIMITS.paramValueLength, `Param value '${p.value.slice(0, 20)}…'`)
}

function validateTag(t: Tag): void {
  validateKey(t.key, 'tag')
  validateLength(t.value, LIMITS.runTagValueLength, `Tag '${t.key}' value`)
}

/** Params of one request, checked; a key repeated with another value is INVALID_PARAMETER_VALUE. */
function uniqueParams(params: Tag[]): Tag[] {
  const seen = new Map<string, string>()
  for (const p of params) {
    validateParam(p)
    const prev = seen.get(p.key)
    if (prev !== undefined && prev !== p.value) {
      throw new InvalidParameterError(`Duplicate parameter keys have been submitted: ['${p.key}'].`)
    }
    seen.set(p.key, p.value)
  }
  return [...seen].map(([key, value]) => ({ key, value }))
}

function lastOfEachKey(tags: Tag[]): Tag[] {
  return [...new Map(tags.map((t) => [t.key, t.value]))].map(([key, value]) => ({ key, value }))
}
