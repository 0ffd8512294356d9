import type { SnapshotEvent } from '../../packages/sdk/src/index.js'

/**
 * Seconds spent in each phase of a snapshot, from the client's view of the NDJSON stream: a phase
 * runs from its first line to the first line of the next phase (the last one to `done`).
 */
export class PhaseClock {
  private readonly started = performance.now()
  private current: { phase: string; since: number } | undefined
  readonly seconds: Record<string, number> = {}

  readonly onProgress = (e: SnapshotEvent): void => {
    const now = performance.now()
    if (this.current?.phase === e.phase) return
    if (this.current) this.seconds[this.current.phase] = (this.seconds[this.current.phase] ?? 0) + (now - this.current.since) / 1000
    // Time before the first line (the request, the datastore check) counts as listing.
    else this.seconds.start = (now - this.started) / 1000
    this.current = { phase: e.phase, since: now }
  }

  /** `listing 2.1 s, hashing 7.4 s, writing 0.3 s`. */
  describe(): string {
    return Object.entries(this.seconds)
      .filter(([phase]) => phase !== 'done')
      .map(([phase, s]) => `${phase} ${s.toFixed(2)} s`)
      .join(', ')
  }
}
