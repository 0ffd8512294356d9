import {
  ApiError,
  InvalidParameterError,
  NotFoundError,
  RUN_LOG_LIMITS,
  toInt,
  type AppendRunLogsResponse,
  type GetRunLogsResponse,
  type RunLogLine,
  type RunLogRequestOf,
  type RunStatus,
} from '@railyard/api'
import type { Store } from '../store/store.js'
import type { NewRunLogLine } from '../store/run-logs-repo.js'
import type { RunsService } from './runs.js'
import { RunLogNotifier } from './run-log-notifier.js'
import { pageSize } from './validation.js'

const TERMINAL: ReadonlySet<string> = new Set<RunStatus>(['FINISHED', 'FAILED', 'KILLED'])
const STREAM_PAGE = 1000

export type RunLogEvent =
  | { type: 'lines'; lines: RunLogLine[] }
  | { type: 'end'; status?: RunStatus; deleted?: boolean; lastSeq: number }

export interface RunLogsOptions {
  /**
   * How often a waiting stream reads again without a wake-up: appends through another server
   * process sharing the database, and status changes, are seen within this time.
   */
  pollMs?: number
  now?: () => number
}

/** Rules for run output logs: who may append, line limits, paged reads and live following. */
export class RunLogsService {
  readonly notifier = new RunLogNotifier()
  private readonly pollMs: number
  private readonly now: () => number

  constructor(
    private readonly store: Store,
    private readonly runs: RunsService,
    options: RunLogsOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 1000
    this.now = options.now ?? Date.now
  }

  async append(req: RunLogRequestOf<'appendRunLogs'>): Promise<AppendRunLogsResponse> {
    const input = req.lines ?? []
    if (input.length > RUN_LOG_LIMITS.appendLines) {
      throw new InvalidParameterError(
        `Invalid value for parameter 'lines': at most ${RUN_LOG_LIMITS.appendLines} lines per call, got ${input.length}. Split them across calls.`,
      )
    }
    const now = this.now()
    const lines: NewRunLogLine[] = input.map((l, i) => ({
      stream: l.stream,
      timestamp: timestampOf(l.timestamp, now, i),
      line: truncate(l.line),
    }))
    const firstSeq = firstSeqOf(req.first_seq)
    const row = await this.runs.activeRow({ run_id: req.run_id })
    if (lines.length === 0) return {}
    if (firstSeq === undefined) {
      const seqs = await this.store.runLogs.append(row.run_uuid, lines)
      if (!seqs) throw new NotFoundError(`Run with id=${row.run_uuid} not found`)
      this.notifier.notify(row.run_uuid)
      return { first_seq: seqs.first, last_seq: seqs.last }
    }
    const outcome = await this.store.runLogs.appendAt(row.run_uuid, firstSeq, lines)
    if (!outcome) throw new NotFoundError(`Run with id=${row.run_uuid} not found`)
    if ('conflict' in outcome) {
      throw new ApiError(
        'RESOURCE_CONFLICT',
        `The output log of run ${row.run_uuid} ends at seq ${outcome.conflict}, so lines cannot start at first_seq ${firstSeq}: another writer appended, or an earlier batch is missing`,
      )
    }
    const seqs = 'appended' in outcome ? outcome.appended : outcome.repeated
    if ('appended' in outcome) this.notifier.notify(row.run_uuid)
    return { first_seq: seqs.first, last_seq: seqs.last }
  }

  async read(req: RunLogRequestOf<'getRunLogs'>): Promise<GetRunLogsResponse> {
    const row = await this.runs.row({ run_id: req.run_id })
    const after = afterSeqOf(req.after_seq)
    const size = pageSize(toInt(req.max_results), RUN_LOG_LIMITS.readDefault, RUN_LOG_LIMITS.readMax)
    const [lines, last] = await Promise.all([this.store.runLogs.read(row.run_uuid, after, size + 1), this.store.runLogs.lastSeq(row.run_uuid)])
    const page = lines.slice(0, size)
    return {
      lines: page,
      next_seq: page.length ? page[page.length - 1].seq : after,
      has_more: lines.length > size || undefined,
      // Read apart from the page: a line appended in between shows here first, never the reverse.
      last_seq: Math.max(last, page.length ? page[page.length - 1].seq : 0),
    }
  }

  /**
   * Checks a stream request before any byte is sent, so a bad one still gets a JSON error.
   * `lastEventId` is the SSE reconnect header; the later of it and after_seq wins.
   */
  async openStream(runId: string, afterSeq: number | string | undefined, lastEventId?: string): Promise<{ runId: string; afterSeq: number }> {
    const row = await this.runs.row({ run_id: runId })
    let after = afterSeqOf(afterSeq)
    if (lastEventId !== undefined && /^\d+$/.test(lastEventId)) after = Math.max(after, Number(lastEventId))
    return { runId: row.run_uuid, afterSeq: after }
  }

  /**
   * Every line after `afterSeq`, then new ones as they come, until the run is FINISHED, FAILED,
   * KILLED or deleted (then one `end` event) or `signal` aborts. Stopping the iteration releases its listener.
   */
  async *follow(runId: string, afterSeq: number, signal: AbortSignal): AsyncGenerator<RunLogEvent> {
    let cursor = afterSeq
    while (!signal.aborted) {
      const wake = this.notifier.subscribe(runId)
      try {
        // Status is read before the lines: `railyard run` sends its last lines before it sets the
        // final status, so a terminal status seen here means no line is still to come.
        const run = await this.store.runs.getRow(runId)
        for (;;) {
          const lines = await this.store.runLogs.read(runId, cursor, STREAM_PAGE)
          if (lines.length === 0 || signal.aborted) break
          cursor = lines[lines.length - 1].seq
          yield { type: 'lines', lines }
          if (lines.length < STREAM_PAGE) break
        }
        // A deleted run takes no more lines and no status change, so there is nothing left to wait for.
        if (!run || TERMINAL.has(run.status) || run.lifecycle_stage === 'deleted') {
          const deleted = run?.lifecycle_stage === 'deleted' || undefined
          yield { type: 'end', status: run?.status as RunStatus | undefined, deleted, lastSeq: cursor }
          return
        }
        await wake.wait(this.pollMs, signal)
      } finally {
        wake.dispose()
      }
    }
  }
}

function afterSeqOf(value: number | string | undefined): number {
  const n = toInt(value) ?? 0
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new InvalidParameterError(`Invalid value ${JSON.stringify(value)} for parameter 'after_seq': it must be a non-negative integer.`)
  }
  return n
}

function firstSeqOf(value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = toInt(value)
  if (n === undefined || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidParameterError(`Invalid value ${JSON.stringify(value)} for parameter 'first_seq': it must be a positive integer.`)
  }
  return n
}

function timestampOf(value: number | string | undefined, now: number, index: number): number {
  if (value === undefined) return now
  const n = toInt(value)!
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new InvalidParameterError(
      `Invalid value ${JSON.stringify(value)} for parameter 'lines.${index}.timestamp': milliseconds since the epoch, a non-negative integer.`,
    )
  }
  return n
}

/** Very long lines (a progress bar without newlines) are cut, not refused: losing a run's output is worse. */
export function truncate(line: string, max: number = RUN_LOG_LIMITS.lineLength): string {
  if (line.length <= max) return line
  const marker = (cut: number) => `… [truncated ${cut} characters]`
  // The count's digits change the marker's length; a second pass settles it (never over max).
  let keep = max - marker(line.length).length
  keep = max - marker(line.length - keep).length
  // Don't split a surrogate pair.
  const code = line.charCodeAt(keep - 1)
  if (code >= 0xd800 && code <= 0xdbff) keep--
  return line.slice(0, keep) + marker(line.length - keep)
}
