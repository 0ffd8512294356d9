/**
 * The versions an alias served, replayed from its audit log. A rollback undoes the move it rolls
 * back rather than adding one, so repeated rollbacks keep walking back: deploy 1, 2, 3, then
 * rollback → 2, rollback → 1.
 */

/** One alias change, oldest first; `rollback` marks the moves the rollback endpoint made. */
export interface AliasMove {
  action: 'alias.set' | 'alias.deleted'
  /** The version after the move (alias.set). */
  to?: number
  rollback: boolean
}

/** What the alias pointed to, oldest first; null where it was deleted. The last entry is its state now. */
export function servedVersions(moves: AliasMove[]): Array<number | null> {
  const served: Array<number | null> = []
  const top = () => (served.length ? served[served.length - 1] : undefined)
  for (const m of moves) {
    if (m.action === 'alias.deleted') {
      if (served.length && top() !== null) served.push(null)
    } else if (m.rollback) {
      // Back to an earlier entry: drop what was served after it. A target not on the stack (history
      // the replay cannot explain) restarts it there.
      while (served.length && top() !== m.to) served.pop()
      if (!served.length) served.push(m.to!)
    } else if (top() !== m.to) {
      served.push(m.to!)
    }
  }
  return served
}

/**
 * The version a rollback goes to: the one served before the current one, skipping deletions of
 * the alias, the current version itself, and versions that no longer exist (`isLive` false).
 * Undefined when there is none.
 */
export async function rollbackTarget(
  served: Array<number | null>,
  current: number | undefined,
  isLive: (version: number) => Promise<boolean>,
): Promise<number | undefined> {
  const earlier = served.slice(0, -1)
  while (earlier.length) {
    const candidate = earlier.pop()!
    if (candidate === null || candidate === current) continue
    if (await isLive(candidate)) return candidate
  }
  return undefined
}
