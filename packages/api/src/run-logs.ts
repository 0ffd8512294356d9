import Type, { type Static, type TSchema } from 'typebox'
import { Int64, opt } from './schema-helpers.js'
import type { Endpoint } from './tracking-routes.js'
import type { RunLogLine, RunStatus } from './tracking-types.js'

/**
 * Run output logs: the lines a run's command printed (`railyard run` ships them), readable while
 * the run is live. These are Railyard's own endpoints, so they live under `/api/2.0/railyard`
 * (and the `/ajax-api/2.0/railyard` alias), not MLflow's prefix.
 */
export const RUN_LOGS_PREFIXES = ['/api/2.0/railyard', '/ajax-api/2.0/railyard'] as const

export const RUN_LOG_LIMITS = {
  /** Lines one append call may carry; more is INVALID_PARAMETER_VALUE. */
  appendLines: 1000,
  /** Characters kept of one line; longer lines are cut and end with a `[truncated N characters]` marker. */
  lineLength: 32768,
  /** Lines one paged read returns without max_results, and at most. */
  readDefault: 1000,
  readMax: 10000,
} as const

const endpoint = <S extends TSchema>(e: Endpoint<S>) => e

export const runLogEndpoints = {
  /**
   * Appends lines, in order, to the end of a run's output log; each gets the next sequence number.
   * Parallel appends never share a number. The run must exist (RESOURCE_DOES_NOT_EXIST) and not be
   * deleted (INVALID_PARAMETER_VALUE). `timestamp` is milliseconds since the epoch (default: now).
   * `first_seq` (optional) is the seq the first line must get, which makes a retry safe: when the
   * log already holds the same lines (stream and text) from that seq on — an earlier attempt whose
   * answer was lost — nothing is added and their seqs are returned; when the log's last seq is
   * anything but `first_seq - 1`, RESOURCE_CONFLICT naming it. Response: AppendRunLogsResponse.
   */
  appendRunLogs: endpoint({
    method: 'POST',
    path: '/runs/logs/append',
    request: Type.Object({
      run_id: Type.String(),
      lines: Type.Array(
        Type.Object({
          stream: Type.Enum(['stdout', 'stderr']),
          line: Type.String(),
          timestamp: opt(Int64),
        }),
      ),
      first_seq: opt(Int64),
    }),
  }),
  /**
   * Reads up to `max_results` lines with seq > `after_seq` (default 0, the start), oldest first.
   * Response: GetRunLogsResponse; pass its `next_seq` as `after_seq` to read on.
   */
  getRunLogs: endpoint({
    method: 'GET',
    path: '/runs/logs',
    request: Type.Object({
      run_id: Type.String(),
      after_seq: opt(Int64),
      max_results: opt(Int64),
    }),
  }),
  /**
   * Server-sent events: every line with seq > `after_seq` (or the `Last-Event-ID` header), then new
   * lines as they are appended, as `event: line` with `id: <seq>` and a RunLogLine as JSON data.
   * When the run reaches FINISHED, FAILED or KILLED, or is deleted (after its last lines), one
   * `event: end` with RunLogStreamEnd data is sent and the response ends. A `: ping` comment keeps idle streams open.
   */
  streamRunLogs: endpoint({
    method: 'GET',
    path: '/runs/logs/stream',
    request: Type.Object({
      run_id: Type.String(),
      after_seq: opt(Int64),
    }),
  }),
} as const

export type RunLogEndpoints = typeof runLogEndpoints
export type RunLogRequestOf<K extends keyof RunLogEndpoints> = Static<RunLogEndpoints[K]['request']>

export interface AppendRunLogsResponse {
  /** Sequence numbers given to the first and last appended line; absent when no lines were sent. */
  first_seq?: number
  last_seq?: number
}

export interface GetRunLogsResponse {
  /** Absent when there are no lines after `after_seq` (empty lists are left out, as MLflow does). */
  lines?: RunLogLine[]
  /** The `after_seq` that continues this read: the last returned seq, or the given after_seq. */
  next_seq: number
  /** True when more lines were already there than this page holds. */
  has_more?: boolean
  /** The log's last seq when read (0 when empty): where an appender with `first_seq` goes on. */
  last_seq: number
}

/** Data of the stream's final `end` event. */
export interface RunLogStreamEnd {
  run_id: string
  /** The run's status at the end (terminal, or any status of a deleted run); absent if the run was removed. */
  status?: RunStatus
  /** Set when the stream ended because the run was deleted. */
  deleted?: boolean
  /** seq of the last line sent. */
  last_seq: number
}
