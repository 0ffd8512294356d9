import type { Experiment, RequestOf } from '@railyard/api'
import { allPages } from './all-pages.js'
import type { Page } from './responses.js'
import type { Call } from './call.js'

/**
 * Experiments, one method per endpoint. Errors: RESOURCE_DOES_NOT_EXIST → NotFoundError,
 * RESOURCE_ALREADY_EXISTS → AlreadyExistsError, bad input → InvalidParameterError (all from
 * @railyard/api); an unreachable server → ConnectionError after the retries.
 */
export class ExperimentsClient {
  constructor(private readonly call: Call) {}

  /** Creates an experiment and returns its id. AlreadyExistsError if the name is taken (even by a deleted one). */
  async create(req: RequestOf<'createExperiment'>): Promise<string> {
    return (await this.call('createExperiment', req)).experiment_id
  }

  /** NotFoundError if there is no experiment with this id. */
  async get(experimentId: string): Promise<Experiment> {
    return (await this.call('getExperiment', { experiment_id: experimentId })).experiment
  }

  /** NotFoundError if there is no experiment with this name. */
  async getByName(name: string): Promise<Experiment> {
    return (await this.call('getExperimentByName', { experiment_name: name })).experiment
  }

  /** The experiment with this name, or undefined: a NotFoundError is the only error swallowed. */
  async findByName(name: string): Promise<Experiment | undefined> {
    try {
      return await this.getByName(name)
    } catch (err) {
      if (isNotFound(err)) return undefined
      throw err
    }
  }

  /** One page (default 1000, at most 50 000 per page); `view_type` defaults to ACTIVE_ONLY. */
  async search(req: RequestOf<'searchExperiments'> = {}): Promise<Page<Experiment>> {
    // MLflow 2.x servers reject a search without max_results, so it is always sent.
    const res = await this.call('searchExperiments', { ...req, max_results: req.max_results ?? 1000 })
    return { items: res.experiments ?? [], nextPageToken: res.next_page_token }
  }

  /** Every match, fetching pages as the iteration goes. */
  async *searchAll(req: Omit<RequestOf<'searchExperiments'>, 'page_token'> = {}): AsyncGenerator<Experiment> {
    yield* allPages((pageToken) => this.search({ ...req, page_token: pageToken }))
  }

  /** Renames the experiment. AlreadyExistsError if `new_name` is taken. */
  async update(req: RequestOf<'updateExperiment'>): Promise<void> {
    await this.call('updateExperiment', req)
  }

  /** Marks the experiment (and its runs) deleted; `restore` undoes it. */
  async delete(experimentId: string): Promise<void> {
    await this.call('deleteExperiment', { experiment_id: experimentId })
  }

  async restore(experimentId: string): Promise<void> {
    await this.call('restoreExperiment', { experiment_id: experimentId })
  }

  /** Sets (or overwrites) one tag. Keys ≤ 250 characters, values ≤ 5000. */
  async setTag(req: RequestOf<'setExperimentTag'>): Promise<void> {
    await this.call('setExperimentTag', req)
  }

  async deleteTag(req: RequestOf<'deleteExperimentTag'>): Promise<void> {
    await this.call('deleteExperimentTag', req)
  }
}

export function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === 'RESOURCE_DOES_NOT_EXIST'
}
