import { doubleToWire, type Metric, type RequestOf, type Run, type RunInfo, type Tag } from '@railyard/api'
import { allPages } from './all-pages.js'
import type { Page } from './responses.js'
import type { Call } from './call.js'

/** A metric point as the SDK takes it: any double (NaN and ±Infinity included). */
export interface MetricInput {
  key: string
  value: number
  /** Milliseconds since the epoch; defaults to now. */
  timestamp?: number
  /** Defaults to 0, as in MLflow. */
  step?: number
}

export interface LogBatchInput {
  run_id: string
  /** At most 1000 metrics, 100 params, 100 tags and 1000 entities in all (MLflow's limits). */
  metrics?: MetricInput[]
  params?: Tag[]
  tags?: Tag[]
}

/**
 * Runs, one method per endpoint. Errors: an unknown run → NotFoundError; a deleted run, a changed
 * param value, a bad key or an over-limit batch → InvalidParameterError; an unreachable server →
 * ConnectionError after the retries.
 */
export class RunsClient {
  constructor(private readonly call: Call) {}

  /** Starts a run (status RUNNING) in `experiment_id` (default "0"); the server names it if `run_name` is absent. */
  async create(req: RequestOf<'createRun'> = {}): Promise<Run> {
    return (await this.call('createRun', req)).run
  }

  /** The run with its latest value per metric, params, tags and inputs. */
  async get(runId: string): Promise<Run> {
    return (await this.call('getRun', { run_id: runId })).run
  }

  /** Changes status, end time (ms since the epoch) and/or name; returns the updated info. */
  async update(req: RequestOf<'updateRun'>): Promise<RunInfo> {
    return (await this.call('updateRun', req)).run_info
  }

  async delete(runId: string): Promise<void> {
    await this.call('deleteRun', { run_id: runId })
  }

  async restore(runId: string): Promise<void> {
    await this.call('restoreRun', { run_id: runId })
  }

  /** One page (server default 1000, at most 50 000). InvalidParameterError on a malformed filter. */
  async search(req: RequestOf<'searchRuns'> = {}): Promise<Page<Run>> {
    const res = await this.call('searchRuns', req)
    return { items: res.runs ?? [], nextPageToken: res.next_page_token }
  }

  /** Every match, fetching pages as the iteration goes (`max_results` is the page size here). */
  async *searchAll(req: Omit<RequestOf<'searchRuns'>, 'page_token'> = {}): AsyncGenerator<Run> {
    yield* allPages((pageToken) => this.search({ ...req, page_token: pageToken }))
  }

  /** Logs one point right away (the ActiveRun API buffers instead). */
  async logMetric(req: { run_id: string } & MetricInput): Promise<void> {
    await this.call('logMetric', { run_id: req.run_id, ...metricToWire(req) })
  }

  /** Params are write-once: the same value again is fine, a different one is InvalidParameterError. */
  async logParam(req: RequestOf<'logParam'>): Promise<void> {
    await this.call('logParam', req)
  }

  async setTag(req: RequestOf<'setTag'>): Promise<void> {
    await this.call('setTag', req)
  }

  /** NotFoundError if the run has no such tag. */
  async deleteTag(req: RequestOf<'deleteTag'>): Promise<void> {
    await this.call('deleteTag', req)
  }

  /** Writes metrics, params and tags in one transaction: all or nothing. Sent as given, not split. */
  async logBatch(req: LogBatchInput): Promise<void> {
    await this.call('logBatch', {
      run_id: req.run_id,
      metrics: req.metrics?.map(metricToWire),
      params: req.params,
      tags: req.tags,
    })
  }

  /** Records dataset inputs of the run. */
  async logInputs(req: RequestOf<'logInputs'>): Promise<void> {
    await this.call('logInputs', req)
  }

  /**
   * The key's whole history, ordered by step then timestamp, following page tokens; `pageSize`
   * (at most 25 000) bounds each request. Values are numbers, or "NaN" / "Infinity" / "-Infinity".
   */
  async metricHistory(runId: string, key: string, opts: { pageSize?: number } = {}): Promise<Metric[]> {
    const pageSize = opts.pageSize ?? 25_000
    const out: Metric[] = []
    let pageToken: string | undefined
    do {
      const res = await this.call('getMetricHistory', {
        run_id: runId,
        metric_key: key,
        max_results: pageSize,
        page_token: pageToken,
      })
      out.push(...(res.metrics ?? []))
      pageToken = res.next_page_token
    } while (pageToken)
    return out
  }
}

/** JSON has no NaN or Infinity: MLflow sends those as the strings "NaN", "Infinity", "-Infinity". */
export function metricToWire(m: MetricInput): { key: string; value: number | string; timestamp: number; step: number } {
  return { key: m.key, value: doubleToWire(m.value), timestamp: m.timestamp ?? Date.now(), step: m.step ?? 0 }
}
