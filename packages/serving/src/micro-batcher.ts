/** How a MicroBatcher groups requests. */
export interface BatchingOptions {
  /**
   * Most inputs in one predict call. A request with more inputs than this is predicted on its own
   * (never split). Default 64.
   */
  maxBatchSize?: number
  /**
   * How long the first queued request may wait for others, in milliseconds. 0 (the default)
   * collects what arrives in the same turn of the event loop, which adds no latency when idle and
   * groups requests naturally under load; a few ms helps models with a high cost per call.
   */
  maxWaitMs?: number
}

interface Pending {
  inputs: unknown[]
  resolve(outputs: unknown[]): void
  reject(err: unknown): void
}

/**
 * Turns concurrent `predict` calls into fewer, larger calls of the model, then hands each caller
 * its own slice of the outputs. When a grouped call fails, each request is tried again alone, so
 * one request's bad input cannot fail its neighbours.
 */
export class MicroBatcher {
  private queue: Pending[] = []
  private queued = 0
  private scheduled = false
  private readonly maxBatchSize: number
  private readonly maxWaitMs: number

  constructor(
    private readonly predictBatch: (inputs: unknown[]) => Promise<unknown[]>,
    opts: BatchingOptions = {},
  ) {
    this.maxBatchSize = Math.max(1, opts.maxBatchSize ?? 64)
    this.maxWaitMs = Math.max(0, opts.maxWaitMs ?? 0)
  }

  /** One output per input, in order; rejects with the model's error. */
  predict(inputs: unknown[]): Promise<unknown[]> {
    if (inputs.length === 0) return Promise.resolve([])
    return new Promise<unknown[]>((resolve, reject) => {
      if (this.queued > 0 && this.queued + inputs.length > this.maxBatchSize) this.flush()
      this.queue.push({ inputs, resolve, reject })
      this.queued += inputs.length
      if (this.queued >= this.maxBatchSize) this.flush()
      else this.schedule()
    })
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    if (this.maxWaitMs === 0) setImmediate(this.flushScheduled)
    else setTimeout(this.flushScheduled, this.maxWaitMs)
  }

  // A flush triggered by size may have emptied the queue already; a late timer then finds less or nothing.
  private readonly flushScheduled = (): void => {
    this.scheduled = false
    this.flush()
  }

  private flush(): void {
    if (this.queue.length === 0) return
    const batch = this.queue
    this.queue = []
    this.queued = 0
    void this.run(batch)
  }

  private async run(batch: Pending[]): Promise<void> {
    if (batch.length === 1) return this.runAlone(batch[0])
    const inputs = batch.flatMap((p) => p.inputs)
    let outputs: unknown[]
    try {
      outputs = await this.predictBatch(inputs)
      checkLength(inputs, outputs)
    } catch {
      // Find out whose input it was: each request again, on its own.
      await Promise.all(batch.map((p) => this.runAlone(p)))
      return
    }
    let at = 0
    for (const p of batch) {
      p.resolve(outputs.slice(at, at + p.inputs.length))
      at += p.inputs.length
    }
  }

  private async runAlone(p: Pending): Promise<void> {
    try {
      const outputs = await this.predictBatch(p.inputs)
      checkLength(p.inputs, outputs)
      p.resolve(outputs)
    } catch (err) {
      p.reject(err)
    }
  }
}

function checkLength(inputs: unknown[], outputs: unknown[]): void {
  if (!Array.isArray(outputs) || outputs.length !== inputs.length) {
    const got = Array.isArray(outputs) ? `${outputs.length} outputs` : `a ${typeof outputs}`
    throw new TypeError(`The model broke the predict contract: ${inputs.length} inputs gave ${got}`)
  }
}
