import {
  RUN_LOGS_PREFIXES,
  readServerSentEvents,
  runLogEndpoints,
  type AppendRunLogsResponse,
  type GetRunLogsResponse,
  type RunLogLine,
  type RunLogStreamEnd,
} from '@railyard/api'
import type { RailyardClient } from './client.js'
import { queryString, type Transport } from './http.js'

const PREFIX = RUN_LOGS_PREFIXES[0]

/** A line to append; `timestamp` is milliseconds since the epoch (default: the server's now). */
export interface RunLogLineInput {
  stream: 'stdout' | 'stderr'
  line: string
  timestamp?: number
}

export interface RunLogPage {
  lines: RunLogLine[]
  /** Pass as `afterSeq` to read on. */
  nextSeq: number
  hasMore: boolean
}

/** What `follow` yields: each line, then one `end` when the run has finished. */
export type RunLogFollowEvent = ({ type: 'line' } & RunLogLine) | ({ type: 'end' } & RunLogStreamEnd)

/**
 * A run's output log (Railyard's own endpoints, not MLflow's): append lines, read them in pages,
 * or follow them live. Errors: unknown run → NotFoundError; a deleted run (append), more than
 * RUN_LOG_LIMITS.appendLines lines or bad input → InvalidParameterError; unreachable → ConnectionError.
 */
export class RunLogsClient {
  constructor(private readonly transport: Transport) {}

  /**
   * Appends lines in order; they get consecutive seqs. Lines past RUN_LOG_LIMITS.lineLength are cut
   * by the server. With `firstSeq` (the seq the first line must get) a retry of a batch that was
   * stored but whose answer was lost stores nothing twice; a log that ended elsewhere is an
   * ApiError RESOURCE_CONFLICT.
   */
  async append(runId: string, lines: RunLogLineInput[], opts: { firstSeq?: number } = {}): Promise<AppendRunLogsResponse> {
    const ep = runLogEndpoints.appendRunLogs
    return this.transport.json(ep.method, PREFIX + ep.path, { run_id: runId, lines, first_seq: opts.firstSeq })
  }

  /** One page of lines with seq > `afterSeq` (default 0), oldest first. */
  async read(runId: string, opts: { afterSeq?: number; maxResults?: number } = {}): Promise<RunLogPage> {
    const ep = runLogEndpoints.getRunLogs
    const res = await this.transport.json<GetRunLogsResponse>(ep.method, PREFIX + ep.path, {
      run_id: runId,
      after_seq: opts.afterSeq,
      max_results: opts.maxResults,
    })
    return { lines: res.lines ?? [], nextSeq: res.next_seq, hasMore: res.has_more ?? false }
  }

  /**
   * The seq of the log's last line (0 when it has none): pass `lastSeq + 1` as `firstSeq` to
   * append. Undefined from a server too old to say.
   */
  async lastSeq(runId: string): Promise<number | undefined> {
    const ep = runLogEndpoints.getRunLogs
    const res = await this.transport.json<GetRunLogsResponse>(ep.method, PREFIX + ep.path, { run_id: runId, after_seq: Number.MAX_SAFE_INTEGER, max_results: 1 })
    return res.last_seq
  }

  /** Every line with seq > `afterSeq`, page by page. */
  async *readAll(runId: string, opts: { afterSeq?: number; pageSize?: number } = {}): AsyncGenerator<RunLogLine> {
    let after = opts.afterSeq ?? 0
    for (;;) {
      const page = await this.read(runId, { afterSeq: after, maxResults: opts.pageSize })
      yield* page.lines
      after = page.nextSeq
      if (!page.hasMore) return
    }
  }

  /**
   * Lines with seq > `afterSeq` as they are written (server-sent events), ending after the `end`
   * event that follows the run's last line. A dropped connection is reopened where it stopped.
   * Stop early by breaking out of the loop or aborting `signal`.
   */
  async *follow(runId: string, opts: { afterSeq?: number; signal?: AbortSignal } = {}): AsyncGenerator<RunLogFollowEvent> {
    const ep = runLogEndpoints.streamRunLogs
    let after = opts.afterSeq ?? 0
    let failures = 0
    while (!opts.signal?.aborted) {
      const res = await this.transport.send({
        method: 'GET',
        path: PREFIX + ep.path + queryString({ run_id: runId, after_seq: after }),
        headers: { accept: 'text/event-stream' },
        timeoutMs: 0,
      })
      try {
        for await (const event of readServerSentEvents(res, opts.signal)) {
          failures = 0
          if (event.event === 'line') {
            const line = JSON.parse(event.data) as RunLogLine
            after = line.seq
            yield { type: 'line', ...line }
          } else if (event.event === 'end') {
            yield { type: 'end', ...(JSON.parse(event.data) as RunLogStreamEnd) }
            return
          } else if (event.event === 'error') {
            throw new Error(`The server ended the log stream: ${event.data}`)
          }
        }
      } catch (err) {
        if (opts.signal?.aborted) return
        // Only a broken connection is retried; anything else is the caller's to see.
        if (!(err instanceof TypeError) || failures >= 5) throw err
      }
      if (opts.signal?.aborted) return
      // The stream stopped before its end event (a server restart): reopen it where it stopped.
      if (++failures > 5) throw new Error(`The log stream of run ${runId} kept closing before the run ended`)
      await new Promise((r) => setTimeout(r, 200 * 2 ** failures))
    }
  }
}

/** The run-log client of a RailyardClient (same server, headers and retries). */
export function runLogsOf(client: RailyardClient): RunLogsClient {
  return new RunLogsClient(client.transport)
}
