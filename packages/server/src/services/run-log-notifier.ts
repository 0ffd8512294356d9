/** One waiter's handle: wait for the next notification of its run, then dispose. */
export interface RunLogSubscription {
  /**
   * Resolves on the first notification since subscribing (at once if one already came), after
   * `timeoutMs`, or when `signal` aborts, whichever is first. Each call consumes one notification.
   */
  wait(timeoutMs: number, signal?: AbortSignal): Promise<void>
  /** Stops listening; safe to call more than once. */
  dispose(): void
}

/**
 * In-process wake-ups for run-log streams: an append notifies its run, and every stream waiting on
 * that run reads again at once. Other server processes are not reached; streams poll for those.
 */
export class RunLogNotifier {
  private readonly waiters = new Map<string, Set<() => void>>()

  notify(runId: string): void {
    for (const wake of this.waiters.get(runId) ?? []) wake()
  }

  /** Subscribes before the caller reads, so a notification between read and wait is not lost. */
  subscribe(runId: string): RunLogSubscription {
    let pending = false
    let resolveWait: (() => void) | undefined
    const wake = () => {
      pending = true
      resolveWait?.()
    }
    let set = this.waiters.get(runId)
    if (!set) this.waiters.set(runId, (set = new Set()))
    set.add(wake)

    return {
      wait: (timeoutMs, signal) =>
        new Promise<void>((resolve) => {
          if (pending || signal?.aborted) {
            pending = false
            return resolve()
          }
          const done = () => {
            clearTimeout(timer)
            signal?.removeEventListener('abort', done)
            resolveWait = undefined
            pending = false
            resolve()
          }
          const timer = setTimeout(done, timeoutMs)
          signal?.addEventListener('abort', done, { once: true })
          resolveWait = done
        }),
      dispose: () => {
        resolveWait?.()
        const current = this.waiters.get(runId)
        current?.delete(wake)
        if (current?.size === 0) this.waiters.delete(runId)
      },
    }
  }

  /** Waiters registered now, over all runs (tests use it to prove disconnects leak nothing). */
  get listenerCount(): number {
    let n = 0
    for (const set of this.waiters.values()) n += set.size
    return n
  }
}
