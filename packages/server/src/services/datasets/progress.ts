import type { SnapshotEvent } from '@railyard/api'

export type ProgressListener = (event: SnapshotEvent) => void

// Progress is reported at most this often, plus at every phase change.
const INTERVAL_MS = 200

/** Counters a snapshot updates as it works; `tick` passes them on now and then. */
export class Progress {
  phase: SnapshotEvent['phase'] = 'listing'
  files_done = 0
  files_total = 0
  bytes_done = 0
  bytes_total = 0
  files_cached?: number
  private last = 0

  constructor(private readonly listener?: ProgressListener) {}

  tick(): void {
    const now = Date.now()
    if (!this.listener || now - this.last < INTERVAL_MS) return
    this.last = now
    this.listener(this.event())
  }

  enter(phase: SnapshotEvent['phase']): void {
    this.phase = phase
    this.last = Date.now()
    this.listener?.(this.event())
  }

  event(): SnapshotEvent {
    const { phase, files_done, files_total, bytes_done, bytes_total, files_cached } = this
    return { phase, files_done, files_total, bytes_done, bytes_total, ...(files_cached ? { files_cached } : {}) }
  }
}
