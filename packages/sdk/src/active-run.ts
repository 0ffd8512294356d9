import { InvalidParameterError, LIMITS, RUN_STATUSES, doubleToWire, type DatasetInput, type Run, type RunStatus, type Tag } from '@railyard/api'
import type { RailyardClient } from './client.js'
import { MetricBuffer } from './metric-buffer.js'
import { registerForExit, unregisterForExit, type ExitParticipant, type ExitReason } from './exit-hooks.js'
import { checkInteger, checkKey } from './key-check.js'
import { useDataset, type UseDatasetOptions, type UsedDataset } from './datasets/use-dataset.js'

export interface ActiveRunOptions {
  /**
   * Whether this process owns the run's lifecycle: true when it created the run, false when it joined
   * a run a supervisor (`railyard run`) created. Only owned runs are ended at process exit.
   */
  owned: boolean
  /** How long a metric point may wait in the buffer before it is sent, in milliseconds. Default 500. */
  flushIntervalMs?: number
  /** Metric points kept while the server is unreachable (default 1,000,000); see MetricBuffer. */
  maxQueuedPoints?: number
}

/**
 * A run this process logs into. Metrics are buffered and sent in the background (see `logMetric`);
 * params, tags, artifacts and inputs are sent when called and their promises settle with the server's
 * answer. At process exit (the event loop emptying, SIGINT/SIGTERM, or an uncaught exception or unhandled
 * rejection) buffered metrics are sent and a run this process created is ended: FINISHED, FAILED when
 * `process.exitCode` is set or the script threw (the error is printed and the process still exits with
 * status 1), KILLED on a signal. `process.exit()` skips this, so
 * `await run.end()` first.
 */
export class ActiveRun implements ExitParticipant {
  readonly runId: string
  readonly experimentId: string
  private readonly buffer: MetricBuffer
  private ended: Promise<void> | undefined

  constructor(
    readonly client: RailyardClient,
    /** The run as it was when this process started or joined it. */
    readonly run: Run,
    private readonly opts: ActiveRunOptions,
  ) {
    this.runId = run.info.run_id
    this.experimentId = run.info.experiment_id
    this.buffer = new MetricBuffer({
      flushIntervalMs: opts.flushIntervalMs ?? 500,
      maxQueuedPoints: opts.maxQueuedPoints,
      send: async (metrics) => {
        await client.call('logBatch', { run_id: this.runId, metrics })
      },
    })
    registerForExit(this)
  }

  /** Points logged but not yet accepted by the server. */
  get pendingMetrics(): number {
    return this.buffer.pending
  }

  /**
   * Queues one point and returns at once; it is sent within `flushIntervalMs` or as soon as 1000
   * points are waiting, in log-batch calls of at most 1000. `value` is any double (NaN and ±Infinity
   * included), `step` an integer (default 0), the timestamp is now (ms). A bad key or a non-number
   * throws InvalidParameterError here; a batch the server rejects is reported by `flush()`/`end()`.
   */
  logMetric(key: string, value: number, step = 0): void {
    this.assertOpen()
    checkKey(key, 'metric')
    if (typeof value !== 'number') throw new InvalidParameterError(`Metric '${key}' must be a number, got ${typeof value}`)
    checkInteger(step, `Step of metric '${key}'`)
    this.buffer.add({ key, value: doubleToWire(value), timestamp: Date.now(), step })
  }

  /** `logMetric` for each entry, all at the same step and timestamp. */
  logMetrics(metrics: Record<string, number>, step = 0): void {
    for (const [key, value] of Object.entries(metrics)) this.logMetric(key, value, step)
  }

  /** Params are write-once: the same value again is fine; a different one is InvalidParameterError. */
  async logParam(key: string, value: string | number | boolean): Promise<void> {
    await this.logParams({ [key]: value })
  }

  /** Sends params in log-batch calls of at most 100; values are stringified (≤ 6000 characters). */
  async logParams(params: Record<string, string | number | boolean>): Promise<void> {
    this.assertOpen()
    const list = Object.entries(params).map(([key, value]) => (checkKey(key, 'param'), { key, value: String(value) }))
    for (let i = 0; i < list.length; i += LIMITS.batchParams) {
      await this.client.runs.logBatch({ run_id: this.runId, params: list.slice(i, i + LIMITS.batchParams) })
    }
  }

  /** Sets (or overwrites) a tag; values ≤ 8000 characters. */
  async setTag(key: string, value: string): Promise<void> {
    await this.setTags({ [key]: value })
  }

  async setTags(tags: Record<string, string>): Promise<void> {
    this.assertOpen()
    const list: Tag[] = Object.entries(tags).map(([key, value]) => (checkKey(key, 'tag'), { key, value: String(value) }))
    for (let i = 0; i < list.length; i += LIMITS.batchTags) {
      await this.client.runs.logBatch({ run_id: this.runId, tags: list.slice(i, i + LIMITS.batchTags) })
    }
  }

  /** Uploads a file as `<artifactPath>/<file name>`; returns its path inside the run. */
  logArtifact(localPath: string, artifactPath?: string): Promise<string> {
    this.assertOpen()
    return this.client.artifacts.upload(this.runId, localPath, artifactPath)
  }

  /** Uploads a directory's files under `artifactPath`, keeping the tree; returns their paths inside the run. */
  logArtifacts(localDir: string, artifactPath?: string): Promise<string[]> {
    this.assertOpen()
    return this.client.artifacts.uploadDir(this.runId, localDir, artifactPath)
  }

  /** Records datasets the run used (name, digest, source, …, with optional input tags). */
  async logInputs(datasets: DatasetInput[]): Promise<void> {
    this.assertOpen()
    await this.client.runs.logInputs({ run_id: this.runId, datasets })
  }

  /**
   * The version of dataset `name` frozen for this run's experiment (the first use in the experiment
   * freezes one), recorded as this run's input; with `materializeTo` its files are also written there.
   */
  useDataset(name: string, opts?: UseDatasetOptions): Promise<UsedDataset> {
    this.assertOpen()
    return useDataset(this.client.datasets, this, name, opts)
  }

  /**
   * Sends every buffered point. Rejects with the server's error (e.g. InvalidParameterError) for a
   * batch it refused, whose points are dropped, or with the ConnectionError / 5xx error that keeps
   * points queued after all retries (a later flush tries them again).
   */
  flush(): Promise<void> {
    return this.buffer.flush()
  }

  /** The run as the server has it now, after flushing buffered metrics. */
  async getRun(): Promise<Run> {
    if (!this.ended) await this.flush()
    return this.client.runs.get(this.runId)
  }

  /**
   * Flushes, then sets the status (default FINISHED) and end time. The status is set even when the
   * flush failed, and the flush's error is thrown afterwards. Calling it again returns the first call's promise.
   */
  end(status: RunStatus = 'FINISHED'): Promise<void> {
    if (!RUN_STATUSES.includes(status)) throw new InvalidParameterError(`Invalid run status '${status}'`)
    this.ended ??= this.finish(status)
    return this.ended
  }

  unsentAtExit(): string | undefined {
    const n = this.buffer.pending
    if (n === 0) return undefined
    return `${n} metric point${n === 1 ? '' : 's'} of run ${this.runId} were not sent: process.exit() ended the process before they were flushed (await run.end() or run.flush() before exiting)`
  }

  async onExit(reason: ExitReason): Promise<void> {
    if (reason === 'interrupt') return this.flush()
    if (this.opts.owned) return this.end(statusAtExit(reason))
    try {
      await this.flush()
    } finally {
      unregisterForExit(this)
      this.buffer.stop()
    }
  }

  private async finish(status: RunStatus): Promise<void> {
    let flushError: unknown
    try {
      await this.buffer.flush()
    } catch (err) {
      flushError = err
    }
    try {
      await this.client.runs.update({ run_id: this.runId, status, end_time: Date.now() })
    } finally {
      this.buffer.stop()
      unregisterForExit(this)
    }
    if (flushError) throw flushError
  }

  private assertOpen(): void {
    if (this.ended) throw new InvalidParameterError(`Run ${this.runId} has ended; start a new run to log more`)
  }
}

/** How a run this process owns ends when the process goes away without `end()`. */
function statusAtExit(reason: Exclude<ExitReason, 'interrupt'>): RunStatus {
  if (reason === 'signal') return 'KILLED'
  if (reason === 'crash') return 'FAILED'
  // `process.exitCode = 1` is how a script says it failed without throwing.
  const code = process.exitCode
  return code === undefined || code === null || Number(code) === 0 ? 'FINISHED' : 'FAILED'
}
