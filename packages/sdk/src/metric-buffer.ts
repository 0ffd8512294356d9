import { ApiError, LIMITS } from '@railyard/api'
import { isRetryableStatus } from './retry.js'

/** A point as it goes on the wire: its timestamp is fixed when logged, so a resend is the identical point. */
export interface WirePoint {
  key: string
  value: number | string
  timestamp: number
  step: number
}

export interface MetricBufferOptions {
  /** Sends one batch of at most LIMITS.batchMetrics points (log-batch), retrying transient failures itself. */
  send: (points: WirePoint[]) => Promise<void>
  /** How long a point may wait for more to join its batch, in milliseconds. */
  flushIntervalMs: number
  /**
   * Points kept while the server cannot be reached (default 1,000,000, about 150 MB); points logged
   * past it are dropped and counted, and the next flush() says how many.
   */
  maxQueuedPoints?: number
}

/** The buffer was full while the server could not be reached, so some points were never sent. */
export class MetricPointsDroppedError extends Error {
  constructor(readonly dropped: number, limit: number, cause?: Error) {
    super(
      `${dropped} metric point${dropped === 1 ? ' was' : 's were'} dropped: ${limit} were already waiting for the server` +
        (cause ? ` (${cause.message})` : ''),
    )
    this.name = 'MetricPointsDroppedError'
  }
}

const DEFAULT_MAX_QUEUED = 1_000_000

/**
 * Buffers metric points and sends them in the background, one batch at a time, oldest first.
 *
 * Why points are never lost or doubled: a batch is always the head of the queue and is removed only
 * when the server has accepted it (2xx) or rejected it for good (4xx). After a transient failure the
 * same points, with the same timestamps, stay at the head and are sent again; the server stores an
 * identical point once, so a batch that was written but whose answer was lost costs nothing.
 */
export class MetricBuffer {
  private queue: WirePoint[] = []
  private draining: Promise<void> | undefined
  private timer: NodeJS.Timeout | undefined
  /** Batches the server rejected (4xx): their points are gone, and flush() must say so. */
  private rejected: Error[] = []
  /** Why the points still queued could not be sent, if the last attempt failed. */
  private stalled: Error | undefined
  /** Points refused because the queue was full, since the last flush. */
  private dropped = 0

  constructor(private readonly opts: MetricBufferOptions) {}

  get pending(): number {
    return this.queue.length
  }

  add(point: WirePoint): void {
    // The newest points are the ones dropped: the oldest hold the batch in flight, which must stay
    // at the head until the server answers (see the class comment).
    if (this.queue.length >= (this.opts.maxQueuedPoints ?? DEFAULT_MAX_QUEUED)) {
      this.dropped++
      return
    }
    this.queue.push(point)
    if (this.draining) return
    if (this.queue.length >= LIMITS.batchMetrics) this.kick()
    else this.schedule()
  }

  /**
   * Resolves once every point added before the call has been accepted by the server. Rejects with
   * the first error of a batch the server refused since the last flush (those points are dropped),
   * or with the transient error that still keeps points queued (those stay queued for another try).
   */
  async flush(): Promise<void> {
    this.clearTimer()
    while (this.draining) await this.draining
    if (this.queue.length) await this.kick()
    const dropped = this.dropped ? new MetricPointsDroppedError(this.dropped, this.opts.maxQueuedPoints ?? DEFAULT_MAX_QUEUED, this.stalled) : undefined
    const error = this.rejected[0] ?? dropped ?? (this.queue.length ? this.stalled : undefined)
    this.rejected = []
    this.dropped = 0
    if (error) {
      if (this.queue.length) this.schedule()
      throw error
    }
  }

  /** Stops the background timer; queued points stay until flush(). */
  stop(): void {
    this.clearTimer()
  }

  private kick(): Promise<void> {
    this.clearTimer()
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined
      // Points added while the last batch was in flight, or left by a failure, get another turn.
      if (this.queue.length) this.schedule()
    })
    return this.draining
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.slice(0, LIMITS.batchMetrics)
      try {
        await this.opts.send(batch)
        this.stalled = undefined
      } catch (err) {
        if (!isPermanent(err)) {
          this.stalled = err as Error
          return
        }
        this.rejected.push(err as Error)
      }
      this.queue.splice(0, batch.length)
    }
  }

  private schedule(): void {
    if (this.timer || this.draining) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.kick()
    }, this.opts.flushIntervalMs)
    // A pending flush must not keep a finished script alive; the exit hook sends what is left.
    this.timer.unref()
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }
}

/** A 4xx (other than 429) means this batch will never be accepted; anything else may pass later. */
function isPermanent(err: unknown): boolean {
  return err instanceof ApiError && !isRetryableStatus(err.status)
}
