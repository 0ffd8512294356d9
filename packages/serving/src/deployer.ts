import type { FollowStatus } from './follow-status.js'
import type { ModelSlot } from './model-slot.js'
import type { VersionTarget } from './served-version.js'

/**
 * Where the follower puts versions: one process's ModelSlot, or every worker of a cluster. A
 * deploy is all or nothing: when the new version fails to load or to pass its check anywhere it
 * throws SwapFailure, and the old version keeps serving everywhere.
 */
export interface Deployer {
  deploy(target: VersionTarget): Promise<void>
  /** Shares what the follower knows (for /health). */
  report(status: FollowStatus): void
}

/** The Deployer of a single process. */
export function slotDeployer(slot: ModelSlot): Deployer {
  return {
    deploy: (target) => slot.swapTo(target),
    report: (status) => {
      slot.status = status
    },
  }
}

/** Where log lines go: swaps, failures, registry trouble. */
export type Log = (level: 'info' | 'warn' | 'error', message: string) => void
