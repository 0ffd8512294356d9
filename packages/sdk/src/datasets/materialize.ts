import fsp from 'node:fs/promises'
import path from 'node:path'
import { ApiError, type DatasetFile } from '@railyard/api'
import { localOidIfSize, localPathOf } from './local-files.js'

/** Progress of a materialization; counts so far and totals. */
export interface MaterializeProgress {
  files_done: number
  files_total: number
  bytes_done: number
  bytes_total: number
  /** Files already present with the right content, not downloaded again. */
  files_skipped: number
}

export interface MaterializeOptions {
  /** Files downloaded at once. Default 8: enough to hide the latency of a cloud datastore behind the server. */
  concurrency?: number
  /** Called after each file, at most every `progressIntervalMs` (default 200), and once at the end. */
  onProgress?: (progress: MaterializeProgress) => void
  progressIntervalMs?: number
  signal?: AbortSignal
}

export interface MaterializeResult {
  dir: string
  versionId: string
  files: number
  bytes: number
  downloaded: number
  /** Files already present with the same hash. */
  skipped: number
}

/** How materialize reaches the server: the file list and one file at a time. */
export interface MaterializeSource {
  versionId: string
  fileCount: number
  totalBytes: number
  files: AsyncIterable<DatasetFile>
  download(file: DatasetFile, dest: string): Promise<unknown>
}

// Failures named in the error message; the rest are counted.
const NAMED_FAILURES = 20

/**
 * Writes every file of a version below `dir`, `concurrency` at a time, each one atomically (a
 * temporary name, renamed once verified). A file already there with the recorded size and hash is
 * left alone, so a second materialization of the same version reads nothing from the server.
 * Files the server refuses (changed or vanished since an unpinned version was taken) do not stop
 * the others; at the end they are reported together in one error naming them, and the folder
 * holds every file that could be read. Network failures stop at once.
 */
export async function materialize(source: MaterializeSource, dir: string, opts: MaterializeOptions = {}): Promise<MaterializeResult> {
  const root = path.resolve(dir)
  await fsp.mkdir(root, { recursive: true })
  const progress: MaterializeProgress = {
    files_done: 0,
    files_total: source.fileCount,
    bytes_done: 0,
    bytes_total: source.totalBytes,
    files_skipped: 0,
  }
  const interval = opts.progressIntervalMs ?? 200
  let lastReport = 0
  const report = (force = false) => {
    const now = Date.now()
    if (!opts.onProgress || (!force && now - lastReport < interval)) return
    lastReport = now
    opts.onProgress({ ...progress })
  }
  const failures: Array<{ path: string; error: ApiError }> = []
  const made = new Set<string>()
  const files = source.files[Symbol.asyncIterator]()
  let stopped: unknown

  const worker = async () => {
    while (stopped === undefined) {
      opts.signal?.throwIfAborted()
      // Async generators queue concurrent next() calls, so the workers share one pass over the list.
      const next = await files.next()
      if (next.done) return
      const file = next.value
      const dest = localPathOf(root, file.path)
      const parent = path.dirname(dest)
      if (!made.has(parent)) {
        await fsp.mkdir(parent, { recursive: true })
        made.add(parent)
      }
      if ((await localOidIfSize(dest, file.size)) === file.oid) {
        progress.files_skipped++
      } else {
        try {
          await source.download(file, dest)
        } catch (err) {
          // A verdict about this file (changed, vanished) is collected; anything else ends the work.
          if (!(err instanceof ApiError) || err.status >= 500) throw err
          failures.push({ path: file.path, error: err })
        }
      }
      progress.files_done++
      progress.bytes_done += file.size
      report()
    }
  }
  const concurrency = Math.max(1, opts.concurrency ?? 8)
  const results = await Promise.allSettled(Array.from({ length: concurrency }, () => worker().catch((err) => ((stopped ??= err), Promise.reject(err)))))
  const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined
  if (failed) {
    await files.return?.(undefined)
    throw stopped ?? failed.reason
  }
  report(true)
  if (failures.length > 0) throw failureError(source.versionId, failures)
  return {
    dir: root,
    versionId: source.versionId,
    files: progress.files_done,
    bytes: progress.bytes_done,
    downloaded: progress.files_done - progress.files_skipped,
    skipped: progress.files_skipped,
  }
}

function failureError(versionId: string, failures: Array<{ path: string; error: ApiError }>): ApiError {
  failures.sort((a, b) => (a.path < b.path ? -1 : 1))
  const named = failures.slice(0, NAMED_FAILURES).map((f) => `  ${f.path}: ${f.error.message}`)
  const more = failures.length > NAMED_FAILURES ? [`  … and ${failures.length - NAMED_FAILURES} more`] : []
  const codes = new Set(failures.map((f) => f.error.code))
  const code = codes.size === 1 ? failures[0].error.code : 'RESOURCE_CONFLICT'
  return new ApiError(
    code,
    `${failures.length} file(s) of version ${versionId} could not be materialized; the others were written:\n${[...named, ...more].join('\n')}`,
  )
}
