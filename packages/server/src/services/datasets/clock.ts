let last = 0

/**
 * Milliseconds since the epoch, strictly increasing within this process, so versions taken in the
 * same millisecond still have an order ("latest" is the one taken last).
 */
export function monotonicNow(): number {
  last = Math.max(Date.now(), last + 1)
  return last
}
