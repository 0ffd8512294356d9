import { NotFoundError, type Run, type ViewType } from '@railyard/api'
import type { RailyardClient } from './client.js'
import { defaultClient } from './fluent.js'

export interface SearchRunsOptions {
  /**
   * Experiments to search. With neither ids nor names, every experiment is searched (only active
   * ones when `viewType` is ACTIVE_ONLY, the default).
   */
  experimentIds?: string[]
  /** Resolved to ids; an unknown name is NotFoundError. */
  experimentNames?: string[]
  /** MLflow's filter, e.g. `metrics.loss < 0.1 AND params.lr = '0.01'`. Malformed → InvalidParameterError. */
  filter?: string
  /** e.g. `['metrics.accuracy DESC', 'attributes.start_time']`. */
  orderBy?: string[]
  /** At most this many runs in all (default: every match). */
  maxResults?: number
  /** Default ACTIVE_ONLY. */
  viewType?: ViewType
  /** Runs fetched per request, at most 50 000. Default 1000. */
  pageSize?: number
  client?: RailyardClient
}

/**
 * A run search: `await` it for an array of every match (up to `maxResults`), or `for await` over it to
 * fetch page by page. Each use sends the requests again.
 */
export class RunSearch implements AsyncIterable<Run>, PromiseLike<Run[]> {
  constructor(private readonly opts: SearchRunsOptions) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Run> {
    const client = this.opts.client ?? defaultClient()
    const limit = this.opts.maxResults ?? Infinity
    if (limit <= 0) return
    const experimentIds = await experimentIdsFor(client, this.opts)
    if (experimentIds.length === 0) return
    let seen = 0
    for await (const run of client.runs.searchAll({
      experiment_ids: experimentIds,
      filter: this.opts.filter,
      order_by: this.opts.orderBy,
      run_view_type: this.opts.viewType,
      max_results: Math.min(this.opts.pageSize ?? 1000, limit),
    })) {
      yield run
      if (++seen >= limit) return
    }
  }

  async all(): Promise<Run[]> {
    const out: Run[] = []
    for await (const run of this) out.push(run)
    return out
  }

  then<A = Run[], B = never>(
    onfulfilled?: ((value: Run[]) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.all().then(onfulfilled, onrejected)
  }
}

/** Searches runs; see RunSearch for how to consume the result. */
export function searchRuns(opts: SearchRunsOptions = {}): RunSearch {
  return new RunSearch(opts)
}

async function experimentIdsFor(client: RailyardClient, opts: SearchRunsOptions): Promise<string[]> {
  const ids = [...(opts.experimentIds ?? [])]
  for (const name of opts.experimentNames ?? []) {
    const exp = await client.experiments.findByName(name)
    if (!exp) throw new NotFoundError(`No experiment named '${name}'`)
    ids.push(exp.experiment_id)
  }
  if (opts.experimentIds || opts.experimentNames) return ids
  const all: string[] = []
  const viewType = !opts.viewType || opts.viewType === 'ACTIVE_ONLY' ? 'ACTIVE_ONLY' : 'ALL'
  for await (const exp of client.experiments.searchAll({ max_results: 1000, view_type: viewType })) all.push(exp.experiment_id)
  return all
}
