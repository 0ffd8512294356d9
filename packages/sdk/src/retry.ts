/** How a request is retried after a network error, a 429 or a 5xx. */
export interface RetryOptions {
  /** Retries after the first attempt (so `retries: 5` means at most 6 attempts). Default 5. */
  retries?: number
  /** Delay before the first retry, in milliseconds; it doubles each time. Default 200. */
  baseDelayMs?: number
  /** Cap on one delay, in milliseconds. Default 10 000. */
  maxDelayMs?: number
}

export type RetryPolicy = Required<RetryOptions>

export const DEFAULT_RETRY: RetryPolicy = { retries: 5, baseDelayMs: 200, maxDelayMs: 10_000 }

export function retryPolicy(opts: number | RetryOptions | undefined): RetryPolicy {
  if (opts === undefined) return DEFAULT_RETRY
  if (typeof opts === 'number') return { ...DEFAULT_RETRY, retries: opts }
  return { ...DEFAULT_RETRY, ...opts }
}

/**
 * Exponential backoff with jitter: a uniform delay in [ceiling/2, ceiling], ceiling = base·2^attempt
 * (capped). The jitter keeps clients that failed together (a restarting server) from retrying in lockstep.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt)
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

/** 429 and every 5xx are worth another try; other statuses mean the request itself is wrong. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
