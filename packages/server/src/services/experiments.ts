import {
  AlreadyExistsError,
  InvalidParameterError,
  LIMITS,
  NotFoundError,
  type Experiment,
  type RequestOf,
  type Tag,
} from '@railyard/api'
import type { Store } from '../store/store.js'
import { decodePageToken, page } from './page-token.js'
import { pageSize, parseExperimentId, requireString, validateKey, validateLength } from './validation.js'
import { parseViewType } from './view-type.js'

export const DEFAULT_EXPERIMENT_ID = '0'
export const DEFAULT_EXPERIMENT_NAME = 'Default'

/** Rules for experiments: names, lifecycle, tags, artifact locations. */
export class ExperimentsService {
  constructor(
    private readonly store: Store,
    /** Root under which each experiment gets `<root>/<id>`, e.g. `mlflow-artifacts:`. */
    private readonly artifactRoot: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** MLflow's "Default" experiment with id 0, created on first start. */
  async ensureDefault(): Promise<void> {
    if (await this.store.experiments.get(0)) return
    try {
      await this.store.experiments.create(
        { name: DEFAULT_EXPERIMENT_NAME, artifactLocation: (id) => this.locationFor(id), tags: [], now: this.now() },
        0,
      )
    } catch (err) {
      // Another server process sharing the database got there first.
      if (!(err instanceof AlreadyExistsError)) throw err
    }
  }

  locationFor(id: string): string {
    return `${this.artifactRoot.replace(/\/+$/, '')}/${id}`
  }

  async create(req: RequestOf<'createExperiment'>): Promise<{ experiment_id: string }> {
    const name = requireString(req.name, 'name')
    validateLength(name, LIMITS.experimentNameLength, 'Experiment name')
    const location = req.artifact_location
    if (location?.startsWith('runs:')) {
      throw new InvalidParameterError(`Invalid value '${location}' for parameter 'artifact_location': runs: URIs are not allowed.`)
    }
    const tags = req.tags ?? []
    for (const t of tags) this.validateTag(t)
    const id = await this.store.experiments.create({
      name,
      artifactLocation: (newId) => location || this.locationFor(newId),
      tags,
      now: this.now(),
    })
    return { experiment_id: id }
  }

  /** The experiment, deleted or not; RESOURCE_DOES_NOT_EXIST when absent. */
  async get(experimentId: string | undefined): Promise<Experiment> {
    const id = parseExperimentId(experimentId)
    const exp = await this.store.experiments.get(id)
    if (!exp) throw new NotFoundError(`No Experiment with id=${experimentId} exists`)
    return exp
  }

  async getByName(name: string | undefined): Promise<Experiment> {
    requireString(name, 'experiment_name')
    const exp = await this.store.experiments.getByName(name!)
    if (!exp) throw new NotFoundError(`Could not find experiment with name '${name}'`)
    return exp
  }

  async delete(experimentId: string): Promise<void> {
    const exp = await this.get(experimentId)
    await this.store.experiments.setLifecycle(Number(exp.experiment_id), 'deleted', this.now())
  }

  async restore(experimentId: string): Promise<void> {
    const exp = await this.get(experimentId)
    await this.store.experiments.setLifecycle(Number(exp.experiment_id), 'active', this.now())
  }

  async rename(experimentId: string, newName: string | undefined): Promise<void> {
    const exp = await this.get(experimentId)
    const name = requireString(newName, 'new_name')
    validateLength(name, LIMITS.experimentNameLength, 'Experiment name')
    if (exp.lifecycle_stage !== 'active') {
      throw new InvalidParameterError(`Cannot rename a non-active experiment ${experimentId}. Restore it first.`)
    }
    await this.store.experiments.rename(Number(exp.experiment_id), name, this.now())
  }

  async setTag(experimentId: string, key: string, value: string): Promise<void> {
    const exp = await this.get(experimentId)
    this.validateTag({ key, value })
    if (exp.lifecycle_stage !== 'active') {
      throw new InvalidParameterError(`The experiment ${experimentId} must be in the 'active' state.`)
    }
    await this.store.experiments.setTag(Number(exp.experiment_id), { key, value })
  }

  async deleteTag(experimentId: string, key: string): Promise<void> {
    const exp = await this.get(experimentId)
    const removed = await this.store.experiments.deleteTag(Number(exp.experiment_id), key)
    if (removed === 0) throw new NotFoundError(`No tag with name: ${key} in experiment with id ${experimentId}`)
  }

  async search(req: RequestOf<'searchExperiments'>): Promise<{ experiments: Experiment[]; next_page_token?: string }> {
    const size = pageSize(req.max_results === undefined ? undefined : Number(req.max_results), LIMITS.searchExperimentsDefault, LIMITS.searchExperimentsMax)
    const offset = decodePageToken(req.page_token)
    const rows = await this.store.searchExperiments({
      filter: req.filter,
      orderBy: req.order_by ?? [],
      viewType: parseViewType(req.view_type, 'view_type'),
      offset,
      limit: size + 1,
    })
    const { items, nextPageToken } = page(rows, offset, size)
    return { experiments: await this.store.experiments.withTags(items), next_page_token: nextPageToken }
  }

  private validateTag(t: Tag): void {
    validateKey(t.key, 'tag')
    validateLength(t.value, LIMITS.experimentTagValueLength, `Experiment tag '${t.key}' value`)
  }
}
