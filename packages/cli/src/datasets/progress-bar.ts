import { formatDuration } from '../output.js'
import { formatBytes, formatCount } from './format.js'

/** Where a long transfer stands; totals may still grow while files are being listed. */
export interface ProgressState {
  /** What is being done: `listing`, `hashing`, `downloading`, … */
  phase: string
  files_done: number
  files_total: number
  bytes_done: number
  bytes_total: number
  /** Extra words after the counts, e.g. `1,200 unchanged`. */
  note?: string
}

export interface ProgressBarOptions {
  stream?: NodeJS.WriteStream
  /** Redraw in place (a terminal) or print plain lines (a log, a pipe). Default: whether `stream` is a TTY. */
  tty?: boolean
  /** Plain lines are printed at most this often, in milliseconds, plus at every phase change. Default 2000. */
  lineIntervalMs?: number
  /** Print nothing. */
  quiet?: boolean
}

// Redrawing more often than this only costs CPU.
const REDRAW_MS = 100
const BAR_WIDTH = 24

/**
 * A progress display on stderr: in a terminal one line redrawn in place with a bar, counts, bytes,
 * rate and ETA; elsewhere a plain line every few seconds, so logs of CI jobs show progress without
 * control characters.
 */
export class ProgressBar {
  private readonly stream: NodeJS.WriteStream
  private readonly tty: boolean
  private readonly lineIntervalMs: number
  private readonly quiet: boolean
  private phase = ''
  private phaseStart = 0
  private phaseStartBytes = 0
  private lastDraw = 0
  private drawn = false

  constructor(opts: ProgressBarOptions = {}) {
    this.stream = opts.stream ?? process.stderr
    // A terminal that cannot move the cursor (TERM=dumb: Emacs shells, some CI consoles) gets plain lines.
    this.tty = opts.tty ?? (this.stream.isTTY === true && process.env.TERM !== 'dumb')
    this.lineIntervalMs = opts.lineIntervalMs ?? 2000
    this.quiet = opts.quiet ?? false
  }

  update(state: ProgressState): void {
    if (this.quiet) return
    // Nothing known yet (a listing's first event): a line of zeros says nothing, and the phase
    // starts with the first event that has something to show.
    if (state.files_total === 0 && state.bytes_total === 0) return
    const now = Date.now()
    const newPhase = state.phase !== this.phase
    if (newPhase) {
      this.phase = state.phase
      this.phaseStart = now
      this.phaseStartBytes = state.bytes_done
    }
    const interval = this.tty ? REDRAW_MS : this.lineIntervalMs
    if (!newPhase && now - this.lastDraw < interval) return
    this.lastDraw = now
    this.draw(state, now)
  }

  /** Ends the display: clears the bar in a terminal, then prints `message` if given. */
  done(message?: string): void {
    if (this.quiet) return
    if (this.tty && this.drawn) this.stream.write('\r\x1b[2K')
    this.drawn = false
    if (message) this.stream.write(`${message}\n`)
  }

  private draw(state: ProgressState, now: number): void {
    const elapsed = (now - this.phaseStart) / 1000
    const rate = elapsed > 0.5 ? (state.bytes_done - this.phaseStartBytes) / elapsed : 0
    const text = describe(state, rate)
    if (!this.tty) {
      this.stream.write(`railyard: ${text}\n`)
      return
    }
    const fraction = fractionOf(state)
    const filled = Math.round(fraction * BAR_WIDTH)
    const bar = fraction >= 0 ? `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ` : ''
    const line = `${bar}${text}`
    const width = this.stream.columns || 100
    this.stream.write(`\r\x1b[2K${line.length >= width ? line.slice(0, width - 1) : line}`)
    this.drawn = true
  }
}

/** `hashing 1,234/100,000 files, 12.1 MB/1.02 GB, 210 MB/s, ETA 12.0s`. */
export function describe(state: ProgressState, bytesPerSecond: number): string {
  const parts = [
    `${state.phase} ${formatCount(state.files_done)}/${formatCount(state.files_total)} files`,
    `${formatBytes(state.bytes_done)}/${formatBytes(state.bytes_total)}`,
  ]
  if (bytesPerSecond > 0) {
    parts.push(`${formatBytes(bytesPerSecond)}/s`)
    const left = state.bytes_total - state.bytes_done
    if (left > 0) parts.push(`ETA ${formatDuration((left / bytesPerSecond) * 1000)}`)
  }
  if (state.note) parts.push(state.note)
  return parts.join(', ')
}

/** Done fraction by bytes (files when there are no bytes); -1 while the totals are unknown. */
function fractionOf(state: ProgressState): number {
  if (state.phase === 'listing') return -1
  if (state.bytes_total > 0) return Math.min(1, state.bytes_done / state.bytes_total)
  if (state.files_total > 0) return Math.min(1, state.files_done / state.files_total)
  return -1
}
