import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { ApiError, InvalidParameterError, STATUS, errorFromBody, type DatasetFile } from '@railyard/api'
import { localOidIfSize, localPathOf } from './local-files.js'
import { Folders, fileInTheWayOf, localObstacle } from './atomic-writes.js'
import { receiveBatch, type Wanted } from './bulk-read.js'

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
  /**
   * Files written at once from the server's file stream, or, from servers without it, files
   * downloaded at once (one request each). Default 8.
   */
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

/** How materialize reaches the server: the file list, many files in one stream, or one file at a time. */
export interface MaterializeSource {
  versionId: string
  fileCount: number
  totalBytes: number
  files: AsyncIterable<DatasetFile>
  /** One file to `dest`, atomically and verified (servers without `readMany`). */
  download(file: DatasetFile, dest: string): Promise<unknown>
  /**
   * The `readDatasetFiles` stream of these paths (in path order), after `after` when resuming. A
   * server without the endpoint answers ENDPOINT_NOT_FOUND, and materialize downloads one by one.
   */
  readMany?(paths: string[], after?: string): Promise<ReadableStream<Uint8Array>>
}

// Failures named in the error message; the rest are counted.
const NAMED_FAILURES = 20
// Missing files asked for in one request: enough that a request's cost disappears, few enough that
// the next batch's local checks overlap this one's transfer and a request body stays small.
const BATCH_FILES = 2000
// Local files checked at once.
const CHECKS = 8

/**
 * Writes every file of a version below `dir`, each one atomically (a temporary name, renamed once
 * its bytes hash to the file list's content id). A file already there with the recorded size and
 * hash is left alone, and only the missing files are asked for: a second materialization of the
 * same version reads nothing from the server. Missing files come in batches, each as one stream
 * (`readMany`; a stream that breaks is resumed after its last complete file), or one request per
 * file, `concurrency` at a time, from servers without it. Files the server refuses (changed or
 * vanished since an unpinned version was taken), files whose bytes do not match and files that
 * something in the folder is in the way of (a folder where the file goes, a file where its folder
 * goes) do not stop the others; at the end they are reported together in one error naming them
 * (RESOURCE_CONFLICT), and the folder holds every other file. A `dir` that is a file or below
 * one is an InvalidParameterError before anything is written. Network failures stop at once.
 */
export async function materialize(source: MaterializeSource, dir: string, opts: MaterializeOptions = {}): Promise<MaterializeResult> {
  const root = path.resolve(dir)
  // An empty folder holds nothing to keep: no file needs a look.
  const fresh = await prepareTarget(root)
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
  const finished = (file: DatasetFile) => {
    progress.files_done++
    progress.bytes_done += file.size
    report()
  }
  const failures = new Map<string, ApiError>()
  const folders = new Folders()
  const concurrency = Math.max(1, opts.concurrency ?? 8)
  let bulk = source.readMany !== undefined
  const batches = missingBatches(source.files, root, fresh, opts.signal, (file) => {
    progress.files_skipped++
    finished(file)
  })
  let next = batches.next()
  try {
    for (;;) {
      const batch = await next
      if (batch.done) break
      // The next batch's local checks run while this one downloads.
      next = batches.next()
      let rest = batch.value
      if (bulk) {
        const { handled, unsupported } = await receiveBatch(
          {
            versionId: source.versionId,
            readMany: source.readMany!,
            folders,
            writes: concurrency,
            signal: opts.signal,
            done: finished,
            fail: (p, error) => void failures.set(p, error),
          },
          rest,
        )
        if (unsupported) bulk = false
        rest = rest.slice(handled)
      }
      if (rest.length) await downloadEach(source, rest, folders, concurrency, opts.signal, finished, (p, error) => void failures.set(p, error))
    }
  } finally {
    await next.catch(() => {})
    await batches.return(undefined)
  }
  report(true)
  if (failures.size > 0) throw failureError(source.versionId, [...failures].map(([p, error]) => ({ path: p, error })))
  return {
    dir: root,
    versionId: source.versionId,
    files: progress.files_done,
    bytes: progress.bytes_done,
    downloaded: progress.files_done - progress.files_skipped,
    skipped: progress.files_skipped,
  }
}

/**
 * The files not already below `root` with their recorded content, in list order, in batches; files
 * that are there are passed to `present`. A path that would leave `root` stops everything.
 */
async function* missingBatches(files: AsyncIterable<DatasetFile>, root: string, fresh: boolean, signal: AbortSignal | undefined, present: (file: DatasetFile) => void): AsyncGenerator<Wanted[]> {
  let batch: Wanted[] = []
  let window: Wanted[] = []
  const check = async () => {
    const kept = fresh ? window.map(() => false) : await Promise.all(window.map(async (w) => (await localOidIfSize(w.dest, w.file.size)) === w.file.oid))
    window.forEach((w, i) => (kept[i] ? present(w.file) : batch.push(w)))
    window = []
  }
  for await (const file of files) {
    signal?.throwIfAborted()
    window.push({ file, dest: localPathOf(root, file.path) })
    if (window.length >= CHECKS) await check()
    if (batch.length >= BATCH_FILES) {
      yield batch
      batch = []
    }
  }
  await check()
  if (batch.length) yield batch
}

/**
 * Makes `root` (and the folders above it) when missing, and says whether it is empty. A file in
 * the way, or a folder this process may not write in, is an InvalidParameterError in plain words.
 */
async function prepareTarget(root: string): Promise<boolean> {
  try {
    await fsp.mkdir(root, { recursive: true })
    await fsp.access(root, fs.constants.W_OK)
    return (await fsp.readdir(root)).length === 0
  } catch (err) {
    const file = await fileInTheWayOf(root)
    const cannot = `Cannot materialize into '${root}'`
    if (file === root) throw new InvalidParameterError(`${cannot}: it is a file, not a folder`)
    if (file) throw new InvalidParameterError(`${cannot}: '${file}' is a file, not a folder`)
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EACCES' || code === 'EPERM') throw new InvalidParameterError(`${cannot}: no permission to create or write in it`)
    throw err
  }
}

/** One request per file, `concurrency` at a time (servers without the bulk read). */
async function downloadEach(
  source: MaterializeSource,
  items: Wanted[],
  folders: Folders,
  concurrency: number,
  signal: AbortSignal | undefined,
  finished: (file: DatasetFile) => void,
  fail: (path: string, error: ApiError) => void,
): Promise<void> {
  let at = 0
  let stopped: unknown
  const worker = async () => {
    while (stopped === undefined && at < items.length) {
      signal?.throwIfAborted()
      const { file, dest } = items[at++]
      try {
        await folders.parentOf(dest)
        await source.download(file, dest)
      } catch (err) {
        // A verdict about this file (changed, vanished) or something local in its way is collected;
        // anything else ends the work.
        const verdict = err instanceof ApiError ? (err.status < 500 ? err : undefined) : await localObstacle(dest, err)
        if (!verdict) throw err
        fail(file.path, verdict)
      }
      finished(file)
    }
  }
  const results = await Promise.allSettled(Array.from({ length: concurrency }, () => worker().catch((err) => ((stopped ??= err), Promise.reject(err)))))
  const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined
  if (failed) throw stopped ?? failed.reason
}

function failureError(versionId: string, failures: Array<{ path: string; error: ApiError }>): ApiError {
  failures.sort((a, b) => (a.path < b.path ? -1 : 1))
  const named = failures.slice(0, NAMED_FAILURES).map((f) => `  ${f.path}: ${f.error.message}`)
  const more = failures.length > NAMED_FAILURES ? [`  … and ${failures.length - NAMED_FAILURES} more`] : []
  const codes = new Set(failures.map((f) => f.error.code))
  const code = codes.size === 1 ? failures[0].error.code : 'RESOURCE_CONFLICT'
  const message = `${failures.length} file(s) of version ${versionId} could not be materialized; the others were written:\n${[...named, ...more].join('\n')}`
  // The class that goes with the code, as errors from the server have.
  return errorFromBody(STATUS[code], { error_code: code, message })
}
