import { ApiError, type Predictor } from '@railyard/api'
import { loadFailureReason, pathsInModel, readInputExample } from '@railyard/sdk'
import type { BatchingOptions } from './micro-batcher.js'
import { describeTarget, ServedVersion, targetKey, type VersionTarget } from './served-version.js'
import type { FollowStatus } from './follow-status.js'
import { SwapFailure } from './swap-failure.js'

/** A loaded model; `dir` (its files) is where its input example is read from. */
export type LoadedPredictor = Predictor & { readonly dir?: string }

/** Loads the files of a target (download included). */
export type LoadFn = (target: VersionTarget) => Promise<LoadedPredictor>

export interface ModelSlotOptions {
  load: LoadFn
  batching?: BatchingOptions
  /** Longest a new version may take to load, or to predict its input example, in ms. Default 600 000 and 60 000. */
  loadTimeoutMs?: number
  checkTimeoutMs?: number
  /** Where "version 3 loaded" and close failures go. */
  log?: (level: 'info' | 'warn' | 'error', message: string) => void
}

/**
 * The version a process serves, and the hot swap. `prepare` loads a new version beside the current
 * one and checks it with its input example; `commit` makes it current in one assignment, so every
 * request runs wholly on the version it started with; the old version is closed once its requests
 * are done. `status` says what the followed URI points to and what went wrong last, for /health.
 */
export class ModelSlot {
  private active?: ServedVersion
  private readonly staged = new Map<string, ServedVersion>()
  /** Completed swaps (the first load counts). */
  swaps = 0
  status: FollowStatus = {}

  constructor(private readonly opts: ModelSlotOptions) {}

  /** The version serving now, if any. */
  get current(): ServedVersion | undefined {
    return this.active
  }

  /**
   * The current version, marked as in use by one more request (call `release()` on it when done).
   * TEMPORARILY_UNAVAILABLE (503) when no version is loaded yet.
   */
  acquire(): ServedVersion {
    const v = this.active
    if (!v) throw new ApiError('TEMPORARILY_UNAVAILABLE', 'No model version is loaded yet; see GET /health')
    v.acquire()
    return v
  }

  /**
   * Loads `target` and checks it: it must load, have a signature the input check can use (or
   * none), and predict its input example (when it has one) with one output per input.
   * SwapFailure otherwise, with nothing kept. Preparing the version already being served does
   * nothing.
   */
  async prepare(target: VersionTarget): Promise<void> {
    const key = targetKey(target)
    if (this.active && targetKey(this.active.target) === key) return
    if (this.staged.has(key)) return
    const started = Date.now()
    const predictor = await within(this.opts.load(target), this.opts.loadTimeoutMs ?? 600_000, `loading took longer than`, (late) => {
      void late.close?.()
    }).catch((err: unknown) => {
      // The SDK's load errors carry their reason without the model's name or folder; ours names it.
      throw new SwapFailure(`${describeTarget(target)} failed to load: ${loadFailureReason(err)}`, { cause: err, transient: isTransient(err) })
    })
    let version: ServedVersion
    try {
      // Reads the signature: a malformed one refuses the version here, never a request later.
      version = new ServedVersion(target, predictor, this.opts.batching)
    } catch (err) {
      await predictor.close?.().catch(() => undefined)
      throw new SwapFailure(`${describeTarget(target)} failed to load: ${messageOf(err)}`, { cause: err, transient: false })
    }
    try {
      await this.check(predictor)
    } catch (err) {
      await version.retire().catch(() => undefined)
      // The model's folder is in the download cache: name its files from the model's root instead.
      const message = predictor.dir ? pathsInModel(messageOf(err), predictor.dir) : messageOf(err)
      throw new SwapFailure(`${describeTarget(target)} failed its check: ${message}`, { cause: err, transient: false })
    }
    this.staged.set(key, version)
    this.opts.log?.('info', `${describeTarget(target)} loaded and checked in ${Date.now() - started} ms`)
  }

  /**
   * Makes a prepared version current. Requests already running finish on the old version, which is
   * closed when they are done. False when `target` was not prepared (nothing changes).
   */
  commit(target: VersionTarget): boolean {
    const next = this.staged.get(targetKey(target))
    if (!next) return this.active !== undefined && targetKey(this.active.target) === targetKey(target)
    this.staged.delete(targetKey(target))
    const old = this.active
    next.since = new Date()
    this.active = next
    this.swaps++
    if (old) {
      this.opts.log?.('info', `now serving ${describeTarget(target)} (was ${describeTarget(old.target)})`)
      old.retire().catch((err: unknown) => this.opts.log?.('warn', `closing ${describeTarget(old.target)} failed: ${messageOf(err)}`))
    } else {
      this.opts.log?.('info', `now serving ${describeTarget(target)}`)
    }
    return true
  }

  /** Drops a prepared version that will not be committed (another copy failed to prepare it). */
  async abort(target: VersionTarget): Promise<void> {
    const v = this.staged.get(targetKey(target))
    if (!v) return
    this.staged.delete(targetKey(target))
    await v.retire()
  }

  /** Prepare then commit: the whole swap, for a single process. */
  async swapTo(target: VersionTarget): Promise<void> {
    await this.prepare(target)
    this.commit(target)
  }

  /** Closes every version (after their requests are done). */
  async close(): Promise<void> {
    const all = [...this.staged.values(), ...(this.active ? [this.active] : [])]
    this.staged.clear()
    this.active = undefined
    await Promise.all(all.map((v) => v.retire().catch(() => undefined)))
  }

  private async check(predictor: LoadedPredictor): Promise<void> {
    if (!predictor.dir) return
    const example = await readInputExample(predictor.dir, predictor.manifest)
    if (!example) {
      this.opts.log?.('warn', 'the model has no input example; it is served without a check')
      return
    }
    const outputs = await within(predictor.predict(example), this.opts.checkTimeoutMs ?? 60_000, 'predicting its input example took longer than')
    if (!Array.isArray(outputs)) throw new Error(`predicting its input example gave ${typeof outputs}, not a list`)
    if (outputs.length !== example.length) {
      throw new Error(`predicting its input example of ${example.length} inputs gave ${outputs.length} outputs`)
    }
  }
}

/** Resolves like `p`, or rejects after `ms`; a value that arrives too late goes to `onLate`. */
function within<T>(p: Promise<T>, ms: number, what: string, onLate?: (value: T) => void): Promise<T> {
  let timer: NodeJS.Timeout
  let timedOut = false
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true
      reject(new Error(`${what} ${ms} ms`))
    }, ms)
  })
  p.then((v) => timedOut && onLate?.(v), () => undefined)
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}

/** Network trouble and server errors while downloading may pass; a broken model will not. */
function isTransient(err: unknown): boolean {
  const e = err as { name?: string; status?: number }
  if (e?.name === 'ConnectionError') return true
  return e?.name !== 'ModelLoadError' && e?.name !== 'RuntimeMissingError' && typeof e?.status === 'number' && e.status >= 500
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
