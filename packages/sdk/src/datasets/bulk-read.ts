import fsp, { type FileHandle } from 'node:fs/promises'
import { once } from 'node:events'
import { ApiError, STATUS, errorFromBody, type DatasetFile, type ErrorCode, type ReadFilesFrame } from '@railyard/api'
import { BLAKE3_ABOVE, hasherFor, isContentId } from '@railyard/content-id'
import { ConnectionError } from '../http.js'
import { FrameReader } from './frame-reader.js'
import { Folders, localObstacle, tempNameFor, writeFileAtomically } from './atomic-writes.js'

/** A file to fetch and where it goes. */
export interface Wanted {
  file: DatasetFile
  dest: string
}

export interface BatchContext {
  versionId: string
  /** Opens `readDatasetFiles` for these paths (in path order), after `after` when resuming. */
  readMany(paths: string[], after?: string): Promise<ReadableStream<Uint8Array>>
  folders: Folders
  /** Small files written at once. */
  writes: number
  signal?: AbortSignal
  /** A file is finished: written, or refused (after `fail`). Called once per file. */
  done(file: DatasetFile): void
  /** A verdict about one file, reported at the end; a later verdict for the same path replaces it. */
  fail(path: string, error: ApiError): void
}

// Times a broken stream is reopened in a row without a file getting through.
const RECONNECTS = 3

/**
 * Fetches `batch` (in path order) through one `readDatasetFiles` stream and writes each file below
 * its destination atomically once its bytes hash to the file list's content id (which the header
 * must also announce). Refused files, files whose bytes do not match and files that something in
 * the local folder is in the way of are reported through `fail`, and the others are still written.
 * A stream that breaks (mid-file or between files) is reopened after the last file read
 * completely. Returns how many files of the batch were handled, and `unsupported` when the server
 * has no such endpoint (nothing was read then).
 */
export async function receiveBatch(ctx: BatchContext, batch: Wanted[]): Promise<{ handled: number; unsupported?: boolean }> {
  let handled = 0
  let failedInARow = 0
  const writes = new Set<Promise<void>>()
  let writeError: unknown
  const write = async (item: Wanted, bytes: Buffer) => {
    while (writes.size >= ctx.writes) await Promise.race(writes)
    if (writeError) throw writeError
    const job = ctx.folders
      .parentOf(item.dest)
      .then(() => writeFileAtomically(item.dest, bytes))
      .then(
        () => ctx.done(item.file),
        async (err) => {
          // Something in the way of this one file does not stop the others.
          const obstacle = await localObstacle(item.dest, err)
          if (!obstacle) return void (writeError ??= err)
          ctx.fail(item.file.path, obstacle)
          ctx.done(item.file)
        },
      )
      .finally(() => writes.delete(job))
    writes.add(job)
  }
  try {
    while (handled < batch.length) {
      ctx.signal?.throwIfAborted()
      const after = handled > 0 ? batch[handled - 1].file.path : undefined
      let body: ReadableStream<Uint8Array>
      try {
        body = await ctx.readMany(batch.slice(handled).map((w) => w.file.path), after)
      } catch (err) {
        if (err instanceof ApiError && err.code === 'ENDPOINT_NOT_FOUND') return { handled, unsupported: true }
        throw err
      }
      const before = handled
      const reader = new FrameReader(body)
      let cut: unknown
      try {
        handled = await readStream(ctx, reader, batch, handled, write)
      } catch (err) {
        // A verdict about the stream itself ends the work; a broken connection is retried below.
        if (err instanceof ApiError || err instanceof ConnectionError || (err as Error).name === 'AbortError') throw err
        cut = err
        handled = (err as { handled?: number }).handled ?? handled
      } finally {
        await reader.cancel()
      }
      if (writeError) throw writeError
      if (handled === batch.length) break
      failedInARow = handled > before ? 1 : failedInARow + 1
      if (failedInARow > RECONNECTS) {
        const why = cut instanceof Error ? cut.message : 'it ended without its trailer'
        throw new ConnectionError(`The file stream of version ${ctx.versionId} broke off ${failedInARow} times at '${batch[handled].file.path}' (${why})`, { cause: cut })
      }
    }
  } finally {
    await Promise.allSettled(writes)
  }
  if (writeError) throw writeError
  return { handled }
}

/** Cut short: where it stopped. */
class StreamCut extends Error {
  constructor(
    readonly handled: number,
    cause?: unknown,
  ) {
    super(cause instanceof Error ? cause.message : 'the stream ended without its trailer', { cause })
  }
}

/** Reads frames until the trailer; returns the files handled. Throws StreamCut when the body stops short. */
async function readStream(
  ctx: BatchContext,
  reader: FrameReader,
  batch: Wanted[],
  start: number,
  write: (item: Wanted, bytes: Buffer) => Promise<void>,
): Promise<number> {
  let handled = start
  // The file just received: a void frame for it right after its bytes is its server-side verdict.
  let last: { path: string; ok: boolean } | undefined
  const protocol = (what: string) => new ApiError('INTERNAL_ERROR', `The file stream of version ${ctx.versionId} is not valid: ${what}`)
  for (;;) {
    let text: string | undefined
    try {
      text = await reader.line()
    } catch (err) {
      if (err instanceof ApiError) throw err
      throw new StreamCut(handled, err)
    }
    if (text === undefined) throw new StreamCut(handled)
    let head: ReadFilesFrame & { end?: boolean; files?: number }
    try {
      head = JSON.parse(text)
    } catch {
      throw protocol(`a header is not JSON: ${text.slice(0, 100)}`)
    }
    if (head.end === true) {
      if (handled !== batch.length) throw protocol(`it ended after ${handled - start} of ${batch.length - start} files`)
      return handled
    }
    if (head.error && last?.path === head.path) {
      // Void frame: the server found this file changed after its bytes went out.
      if (!last.ok) ctx.fail(head.path, verdictOf(head.error))
      last = undefined
      continue
    }
    const item = batch[handled]
    if (!item || head.path !== item.file.path) throw protocol(`expected '${item?.file.path ?? 'the trailer'}', got '${String(head.path)}'`)
    const file = item.file
    if (head.error) {
      ctx.fail(file.path, verdictOf(head.error))
      ctx.done(file)
      handled++
      last = undefined
      continue
    }
    if (!Number.isSafeInteger(head.size) || head.size! < 0) throw protocol(`'${file.path}' has size ${String(head.size)}`)
    const size = head.size!
    const announced = head.oid !== file.oid || size !== file.size
    let ok: boolean
    try {
      ok = size <= BLAKE3_ABOVE ? await receiveSmall(ctx, reader, item, size, announced, write) : await receiveLarge(ctx, reader, item, size, announced, ctx.folders)
    } catch (err) {
      if (err instanceof ApiError || (err as Error).name === 'AbortError') throw err
      throw new StreamCut(handled, err)
    }
    if (announced) ctx.fail(file.path, new ApiError('RESOURCE_CONFLICT', `File '${file.path}' of version ${ctx.versionId}: the server sent content ${head.oid} (${size} bytes), the file list says ${file.oid} (${file.size} bytes)`))
    if (!ok || announced) ctx.done(file)
    last = { path: file.path, ok: ok && !announced }
    handled++
  }
}

/** Reads one small file whole; a verified one is written in the background. False when it was refused. */
async function receiveSmall(ctx: BatchContext, reader: FrameReader, item: Wanted, size: number, discard: boolean, write: (item: Wanted, bytes: Buffer) => Promise<void>): Promise<boolean> {
  const bytes = Buffer.allocUnsafe(size)
  let at = 0
  const complete = await reader.bytes(size, (chunk) => {
    bytes.set(chunk, at)
    at += chunk.length
  })
  if (!complete) throw new Error('the stream ended mid-file')
  if (discard) return false
  const hash = checkable(item.file.oid)
  hash.update(bytes)
  const digest = hash.id()
  if (digest !== item.file.oid) {
    ctx.fail(item.file.path, alteredError(ctx, item.file, digest))
    return false
  }
  await write(item, bytes)
  return true
}

/**
 * Streams one large file to a temporary name, renamed once its bytes hash to the file list's id.
 * False when it was refused or something local is in the way (reported through `fail`); its bytes
 * are read to the end either way, so the stream goes on with the next file.
 */
async function receiveLarge(ctx: BatchContext, reader: FrameReader, item: Wanted, size: number, discard: boolean, folders: Folders): Promise<boolean> {
  const skip = async () => {
    if (!(await reader.bytes(size, () => {}))) throw new Error('the stream ended mid-file')
    return false
  }
  if (discard) return skip()
  const tmp = tempNameFor(item.dest)
  let handle: FileHandle
  try {
    await folders.parentOf(item.dest)
    handle = await fsp.open(tmp, 'w')
  } catch (err) {
    const obstacle = await localObstacle(item.dest, err)
    if (!obstacle) throw err
    ctx.fail(item.file.path, obstacle)
    return skip()
  }
  const out = handle.createWriteStream()
  const failed = once(out, 'error').then(([err]) => Promise.reject(err as Error))
  failed.catch(() => {})
  const hash = checkable(item.file.oid)
  try {
    const complete = await reader.bytes(size, async (chunk) => {
      hash.update(chunk)
      if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed])
    })
    out.end()
    await Promise.race([once(out, 'finish'), failed])
    if (!complete) throw new Error('the stream ended mid-file')
    const digest = hash.id()
    if (digest !== item.file.oid) {
      ctx.fail(item.file.path, alteredError(ctx, item.file, digest))
      await fsp.rm(tmp, { force: true })
      return false
    }
    try {
      await fsp.rename(tmp, item.dest)
    } catch (err) {
      const obstacle = await localObstacle(item.dest, err)
      if (!obstacle) throw err
      ctx.fail(item.file.path, obstacle)
      await fsp.rm(tmp, { force: true })
      return false
    }
  } catch (err) {
    out.destroy()
    if (!out.closed) await once(out, 'close').catch(() => {})
    await fsp.rm(tmp, { force: true })
    throw err
  }
  ctx.done(item.file)
  return true
}

function checkable(oid: string) {
  if (!isContentId(oid)) throw new ApiError('INTERNAL_ERROR', `'${oid}' is not a content id this client can check`)
  return hasherFor(oid)
}

function alteredError(ctx: BatchContext, file: DatasetFile, digest: string): ApiError {
  return new ApiError('RESOURCE_CONFLICT', `File '${file.path}' of version ${ctx.versionId}: its bytes hash to ${digest}, the version recorded ${file.oid}`)
}

/** The error a refusal frame carries, as the class its code has. */
function verdictOf(error: { error_code: string; message: string }): ApiError {
  return errorFromBody(STATUS[error.error_code as ErrorCode] ?? 500, error)
}
