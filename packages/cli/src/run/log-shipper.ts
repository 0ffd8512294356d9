import { ApiError, type RunLogLineInput } from '@railyard/sdk'

export interface LogShipperOptions {
  /**
   * Sends one batch that must start at `firstSeq` when given (so a retry cannot store it twice);
   * resolves with the seq of its last line, rejects on failure. Retries inside it (the SDK's) come first.
   */
  send(lines: RunLogLineInput[], firstSeq: number | undefined): Promise<{ last_seq?: number } | void>
  /** The seq the log's next line gets (1 for a new run); unset, batches are sent without one. */
  firstSeq?: number
  /** Called at most once per kind of trouble, so a dead server doesn't flood the terminal. */
  warn(message: string): void
  maxBatchLines?: number
  /** Approximate bytes of line text per batch; keeps requests well under the server's body limit. */
  maxBatchBytes?: number
  /** Lines kept while the server is unreachable; past this the oldest are dropped (and counted). */
  maxQueuedLines?: number
  /** Pause after a failed batch before trying it again, doubling up to maxRetryDelayMs. */
  retryDelayMs?: number
  maxRetryDelayMs?: number
}

/**
 * Ships output lines to the server in the background, in order, one request at a time: lines that
 * arrive while a batch is in flight form the next batch. push() never waits and never throws, so
 * the command being run is never slowed or stopped by the server.
 */
export class LogShipper {
  /** Lines not yet sent; the batch in flight (or to retry) is held apart so dropping never touches it. */
  private queue: RunLogLineInput[] = []
  private inFlight: RunLogLineInput[] = []
  private dropMarker: RunLogLineInput | undefined
  private dropped = 0
  private totalDropped = 0
  private pumping: Promise<void> | undefined
  private disabled = false
  private stopping = false
  private warnedRetry = false
  private wakeRetry: (() => void) | undefined
  private nextSeq: number | undefined
  shipped = 0

  constructor(private readonly opts: LogShipperOptions) {
    this.nextSeq = opts.firstSeq
  }

  push(stream: 'stdout' | 'stderr', line: string, timestamp = Date.now()): void {
    if (this.disabled) return
    this.queue.push({ stream, line, timestamp })
    const max = this.opts.maxQueuedLines ?? 100_000
    if (this.queue.length > max) this.dropOldest(this.queue.length - max)
    this.pumping ??= this.pump().finally(() => (this.pumping = undefined))
  }

  /**
   * Waits until every queued line is shipped, or `timeoutMs` passes. Returns how many output lines
   * never reached the server (dropped or still waiting); 0 when all went.
   */
  async flush(timeoutMs: number): Promise<number> {
    this.stopping = true
    this.wakeRetry?.()
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))
    // A pump that gave up after a failure while stopping is started once more for the last lines.
    this.pumping ??= (this.queue.length || this.inFlight.length) && !this.disabled ? this.pump().finally(() => (this.pumping = undefined)) : undefined
    if (this.pumping) await Promise.race([this.pumping, timeout])
    clearTimeout(timer)
    if (this.disabled) return 0
    const waiting = [...this.inFlight, ...this.queue].filter((l) => l !== this.dropMarker).length
    return waiting + this.totalDropped
  }

  private async pump(): Promise<void> {
    let delay = this.opts.retryDelayMs ?? 1000
    let attempts = 0
    while ((this.inFlight.length > 0 || this.queue.length > 0) && !this.disabled) {
      // A failed batch is sent again as it was, so the server can recognise a retry of lines it
      // stored (when only its answer was lost) by the batch's first seq.
      if (this.inFlight.length === 0) this.inFlight = this.takeBatch()
      try {
        const res = await this.opts.send(this.inFlight, this.nextSeq)
        if (this.nextSeq !== undefined) this.nextSeq = (res?.last_seq ?? this.nextSeq + this.inFlight.length - 1) + 1
        this.shipped += this.inFlight.length
        this.inFlight = []
        attempts = 0
        delay = this.opts.retryDelayMs ?? 1000
      } catch (err) {
        if (err instanceof ApiError && err.code === 'RESOURCE_CONFLICT' && this.nextSeq !== undefined) {
          // Someone else appended to this run's log: go on without seqs (a lost answer may then repeat lines).
          this.nextSeq = undefined
          this.opts.warn(`output lines are sent without sequence checks from now on: ${err.message}`)
          continue
        }
        if (isPermanent(err)) {
          this.disabled = true
          this.queue = []
          this.inFlight = []
          this.opts.warn(`output is no longer sent to the server: ${(err as Error).message}`)
          return
        }
        if (!this.warnedRetry) {
          this.warnedRetry = true
          this.opts.warn(`could not send output lines to the server (${(err as Error).message}); will keep trying`)
        }
        // While stopping, one more try is all the caller's timeout allows for.
        if (this.stopping && ++attempts > 1) return
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay)
          this.wakeRetry = () => {
            clearTimeout(timer)
            resolve()
          }
        })
        this.wakeRetry = undefined
        delay = Math.min(delay * 2, this.opts.maxRetryDelayMs ?? 30_000)
      }
    }
  }

  private takeBatch(): RunLogLineInput[] {
    const maxLines = this.opts.maxBatchLines ?? 1000
    const maxBytes = this.opts.maxBatchBytes ?? 1024 * 1024
    let n = 0
    let bytes = 0
    for (const l of this.queue) {
      if (n >= maxLines || (n > 0 && bytes + l.line.length > maxBytes)) break
      n++
      bytes += l.line.length + 40
    }
    const batch = this.queue.splice(0, n)
    if (batch.includes(this.dropMarker!)) this.dropMarker = undefined
    return batch
  }

  /** Drops the oldest waiting lines and keeps one marker line in their place that says how many. */
  private dropOldest(count: number): void {
    const hasMarker = this.dropMarker !== undefined && this.queue[0] === this.dropMarker
    this.queue.splice(hasMarker ? 1 : 0, count)
    if (!hasMarker) {
      this.dropped = 0
      this.dropMarker = { stream: 'stderr', line: '', timestamp: this.queue[0]?.timestamp ?? Date.now() }
      this.queue.unshift(this.dropMarker)
    }
    this.dropped += count
    this.totalDropped += count
    this.dropMarker!.line = `[railyard] ${this.dropped} output lines were dropped while the server was unreachable`
  }
}

/** A 4xx (the run was deleted, say) will fail again the same way; a network error or 5xx may not. */
function isPermanent(err: unknown): boolean {
  return err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429 && err.status !== 408
}
