import { createHmac } from 'node:crypto'
import type { WebhooksRepo } from '../store/webhooks-repo.js'

/** When failed deliveries are tried again: after base·2^(n−1) ms (±20%), capped, up to maxAttempts in all. */
export interface RetryPolicy {
  /** Delay before the first retry, ms. */
  baseMs: number
  /** Longest delay between attempts, ms. */
  maxMs: number
  /** Attempts before a delivery is FAILED for good. */
  maxAttempts: number
  /** How long one attempt may take, ms. */
  timeoutMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 2000, maxMs: 10 * 60_000, maxAttempts: 8, timeoutMs: 10_000 }

// How long a sender holds a claimed delivery: longer than one attempt can take.
const HOLD_MARGIN_MS = 5000
const BATCH = 20

/** The signature header value: `sha256=` and the hex HMAC-SHA256 of the raw body under the secret. */
export function signPayload(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

/**
 * Drains the webhook outbox in the background: claims due deliveries, POSTs each signed body,
 * and records the outcome, scheduling a retry with exponential backoff on failure. One timer,
 * re-armed for the next due delivery; `wake()` runs it now.
 */
export class WebhookSender {
  private retry: RetryPolicy
  private timer?: NodeJS.Timeout
  private timerAt?: number
  private running?: Promise<void>
  private again = false
  private closed = false

  constructor(
    private readonly repo: WebhooksRepo,
    private readonly opts: {
      retry?: Partial<RetryPolicy>
      onError: (err: unknown) => void
      now: () => number
      /** The signing secret from its stored form (webhook-secrets.ts). */
      openSecret: (stored: string) => string
    },
  ) {
    this.retry = { ...DEFAULT_RETRY, ...opts.retry }
  }

  setRetryPolicy(retry: Partial<RetryPolicy>): void {
    this.retry = { ...this.retry, ...retry }
  }

  /** Sends whatever is due now (soon after this call returns). */
  wake(): void {
    this.schedule(this.opts.now())
  }

  /** Cancels the timer and waits for attempts under way. */
  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.timer)
    this.timer = undefined
    await this.running
  }

  private schedule(at: number): void {
    if (this.closed) return
    if (this.timer && this.timerAt! <= at) return
    clearTimeout(this.timer)
    this.timerAt = at
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.run()
    }, Math.max(0, at - this.opts.now()))
    // Pending retries must not keep a CLI process alive; a server is kept alive by its listener.
    this.timer.unref()
  }

  private run(): Promise<void> {
    if (this.running) {
      this.again = true
      return this.running
    }
    this.running = (async () => {
      try {
        do {
          this.again = false
          await this.drain()
        } while (this.again && !this.closed)
        const next = await this.repo.nextDue()
        const now = this.opts.now()
        // A due delivery that could not be claimed is held by another server process: look again later.
        if (next !== undefined) this.schedule(next <= now ? now + 1000 : next)
      } catch (err) {
        this.opts.onError(err)
        this.schedule(this.opts.now() + 5000)
      } finally {
        this.running = undefined
      }
    })()
    return this.running
  }

  private async drain(): Promise<void> {
    while (!this.closed) {
      const now = this.opts.now()
      const claimed = await this.repo.claimDue(now, now + this.retry.timeoutMs + HOLD_MARGIN_MS, BATCH)
      if (claimed.length === 0) return
      await Promise.all(claimed.map((d) => this.attempt(d)))
    }
  }

  private async attempt(d: { id: string; event: string; payload: string; attempts: number; url: string; secret: string }): Promise<void> {
    let statusCode: number | null = null
    let error: string | null = null
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Railyard-Webhooks/1',
          'x-railyard-event': d.event,
          'x-railyard-delivery': d.id,
          'x-railyard-signature': signPayload(this.opts.openSecret(d.secret), d.payload),
        },
        body: d.payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.retry.timeoutMs),
      })
      statusCode = res.status
      const text = await res.text().catch(() => '')
      if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}${text ? `: ${text.slice(0, 500)}` : ''}`
    } catch (err) {
      const e = err as { message?: string; cause?: { code?: string; message?: string } }
      error = [e.message, e.cause?.code ?? e.cause?.message].filter(Boolean).join(': ') || String(err)
    }
    const now = this.opts.now()
    const attempts = d.attempts + 1
    const delivered = error === null
    const givingUp = !delivered && attempts >= this.retry.maxAttempts
    await this.repo.recordAttempt(d.id, {
      status: delivered ? 'DELIVERED' : givingUp ? 'FAILED' : 'PENDING',
      attempts,
      nextAttemptAt: delivered || givingUp ? null : now + this.backoff(attempts),
      statusCode,
      error,
      deliveredAt: delivered ? now : null,
    })
  }

  private backoff(attempts: number): number {
    const exact = Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** (attempts - 1))
    return Math.round(exact * (0.8 + Math.random() * 0.4))
  }
}
