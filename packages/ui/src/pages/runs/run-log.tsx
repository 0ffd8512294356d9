import { useEffect, useLayoutEffect, useRef, useState } from 'react'
import type { GetRunLogsResponse, RunLogLine, RunLogStreamEnd } from '@railyard/api'
import { railyard, urlOf } from '../../api/client.js'
import { runLogRoutes } from '../../api/routes.js'
import { Command } from '../../components/states.js'
import { plainText } from '../../lib/terminal-text.js'

/** Lines kept on the page; a longer log shows its end (the whole log stays on the server). */
const MAX_LINES = 5000

type StreamState = { kind: 'connecting' } | { kind: 'live' } | { kind: 'ended'; end: RunLogStreamEnd } | { kind: 'failed'; message: string }

/**
 * The run's output as `railyard run` shipped it, followed live over server-sent events: the
 * stream sends every line so far, then new ones as they arrive, and ends when the run does.
 * The browser's EventSource reconnects by itself after a dropped connection, resuming after the
 * last line it saw (Last-Event-ID).
 */
export function RunLog({ runId }: { runId: string }) {
  const [log, setLog] = useState<{ lines: RunLogLine[]; total: number }>({ lines: [], total: 0 })
  const [state, setState] = useState<StreamState>({ kind: 'connecting' })
  const box = useRef<HTMLDivElement>(null)
  const stick = useRef(true)

  useEffect(() => {
    setLog({ lines: [], total: 0 })
    setState({ kind: 'connecting' })
    const source = new EventSource(urlOf('railyard', runLogRoutes.streamRunLogs, { run_id: runId }))
    // Lines come in bursts; render them once per frame, not once each.
    let pending: RunLogLine[] = []
    let frame = 0
    const flush = () => {
      frame = 0
      const batch = pending
      pending = []
      setLog((prev) => {
        const all = prev.lines.concat(batch)
        return { lines: all.length > MAX_LINES ? all.slice(all.length - MAX_LINES) : all, total: prev.total + batch.length }
      })
    }
    source.addEventListener('open', () => setState({ kind: 'live' }))
    source.addEventListener('line', (e) => {
      pending.push(JSON.parse((e as MessageEvent<string>).data) as RunLogLine)
      if (!frame) frame = requestAnimationFrame(flush)
    })
    source.addEventListener('end', (e) => {
      source.close()
      if (frame) cancelAnimationFrame(frame)
      flush()
      setState({ kind: 'ended', end: JSON.parse((e as MessageEvent<string>).data) as RunLogStreamEnd })
    })
    source.addEventListener('error', (e) => {
      // The server's own `event: error` carries a message; a bare error event is the connection.
      const data = (e as MessageEvent<string>).data
      if (data) {
        source.close()
        setState({ kind: 'failed', message: (JSON.parse(data) as { message: string }).message })
      } else if (source.readyState === EventSource.CLOSED) {
        // Refused outright (an unknown run): ask the paged endpoint, whose error says why.
        railyard<GetRunLogsResponse>(runLogRoutes.getRunLogs, { run_id: runId, max_results: 1 }).then(
          () => setState({ kind: 'failed', message: 'The log stream closed.' }),
          (err: Error) => setState({ kind: 'failed', message: err.message }),
        )
      } else setState({ kind: 'connecting' })
    })
    return () => {
      source.close()
      if (frame) cancelAnimationFrame(frame)
    }
  }, [runId])

  // Follow the end of the log unless the reader scrolled up to read something.
  useLayoutEffect(() => {
    const el = box.current
    if (el && stick.current) el.scrollTop = el.scrollHeight
  }, [log])
  const onScroll = () => {
    const el = box.current
    if (el) stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24
  }

  const { lines } = log
  const dropped = log.total - lines.length
  const ended = state.kind === 'ended'
  return (
    <div className="log-panel">
      <div className="log-status" aria-live="polite">
        {state.kind === 'connecting' && <span className="muted">Connecting…</span>}
        {state.kind === 'live' && (
          <span className="live-dot" title="New lines appear as the run prints them">
            Live
          </span>
        )}
        {ended && (
          <span className="muted">
            {state.end.deleted ? 'The run was deleted.' : `Run ${state.end.status?.toLowerCase() ?? 'ended'}.`}
            {state.end.last_seq > 0 && ` ${state.end.last_seq.toLocaleString()} lines.`}
          </span>
        )}
        {state.kind === 'failed' && <span className="error-inline">Log unavailable: {state.message}</span>}
        {dropped > 0 && <span className="muted"> Showing the last {MAX_LINES.toLocaleString()} lines.</span>}
      </div>
      {lines.length === 0 && ended ? (
        <div className="log-empty">
          No output was recorded for this run. <code>railyard run</code> records what your command prints:
          <Command>npx railyard run -- python train.py</Command>
        </div>
      ) : (
        <div className="log" ref={box} onScroll={onScroll} tabIndex={0} role="log" aria-label="Run output">
          {lines.map((l) => (
            <div key={l.seq} className={l.stream === 'stderr' ? 'log-line stderr' : 'log-line'}>
              <span className="log-seq" aria-hidden="true">
                {l.seq}
              </span>
              {plainText(l.line)}
            </div>
          ))}
          {lines.length === 0 && <div className="muted">Waiting for output…</div>}
        </div>
      )}
    </div>
  )
}
