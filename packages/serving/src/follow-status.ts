/** A version that could not be swapped in; the previous one kept serving. */
export interface SwapError {
  /** The version that failed. */
  version: string
  message: string
  /** ISO time of the failure. */
  at: string
  /** Network or server trouble: the version is tried again at the next poll. */
  transient: boolean
}

/** What the follower knows, shown by GET /health in every process that serves. */
export interface FollowStatus {
  /** The version the followed URI pointed to when last asked. */
  wanted?: string
  /** The last failed swap (kept after later swaps succeed: compare its version with the one serving). */
  lastSwapError?: SwapError
  /** Why the last attempt to ask the registry failed, until one succeeds. */
  pollError?: string
}
