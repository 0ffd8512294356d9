import type { FollowStatus } from './follow-status.js'
import type { VersionTarget } from './served-version.js'

/**
 * The cluster protocol. The primary asks the registry and runs each swap in two phases: every
 * worker prepares (loads and checks) the new version, then all commit, or all abort when any
 * failed, so the workers never serve different versions for longer than the commit messages take.
 */
export type ToWorker =
  /** The answer to `hello`: the version to load before listening (a worker that replaces a dead one). */
  | { t: 'init'; current?: VersionTarget }
  | { t: 'prepare'; id: number; target: VersionTarget }
  | { t: 'commit'; id: number; target: VersionTarget }
  | { t: 'abort'; id: number; target: VersionTarget }
  | { t: 'status'; status: FollowStatus }
  /** Stop taking connections, finish the requests under way, exit. */
  | { t: 'shutdown' }

export type ToPrimary =
  | { t: 'hello' }
  | { t: 'listening'; url: string }
  | { t: 'done'; id: number; ok: true }
  | { t: 'done'; id: number; ok: false; message: string; transient: boolean }
  /** A verified webhook push reached this worker: the primary should poll now. */
  | { t: 'poll-now' }

/** Marks our messages among whatever else may travel on the IPC channel. */
export const CHANNEL = 'railyard-serving'

export type Envelope<T> = { channel: typeof CHANNEL; msg: T }

export function envelope<T>(msg: T): Envelope<T> {
  return { channel: CHANNEL, msg }
}

export function opened<T>(raw: unknown): T | undefined {
  const e = raw as Partial<Envelope<T>> | undefined
  return e && e.channel === CHANNEL ? e.msg : undefined
}
