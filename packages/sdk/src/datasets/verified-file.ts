import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ApiError } from '@railyard/api'
import { hasherFor, isContentId } from '@railyard/content-id'
import type { Transport } from '../http.js'

/** Names a file of a version in error messages. */
export interface FileRef {
  dataset: string
  version: string
  path: string
  /** The content id (`sha256:…` or `blake3:…`) the caller expects (from the version's file list); the bytes must hash to it. */
  oid?: string
}

export interface VerifiedFile {
  /** The content id the server says the bytes hash to. */
  oid?: string
  /** Bytes, from content-length. */
  size?: number
  /** The bytes; errors with RESOURCE_CONFLICT if they do not hash to `oid` or stop short. */
  stream: Readable
}

const describe = (ref: FileRef) => `'${ref.path}' of dataset '${ref.dataset}' version ${ref.version}`

/**
 * Opens one file of a version. The server checks the file before and while sending it (a file that
 * changed since an unpinned version was taken is a RESOURCE_CONFLICT naming it, and a change found
 * mid-stream cuts the response short); this side hashes the bytes too, so what the caller reads to
 * the end is exactly what the version recorded, whatever happened in between.
 */
export async function openVerifiedFile(transport: Transport, requestPath: string, ref: FileRef): Promise<VerifiedFile> {
  const res = await transport.send({ method: 'GET', path: requestPath, timeoutMs: 0 })
  const announced = res.headers.get('x-railyard-oid') ?? undefined
  if (ref.oid && announced && announced !== ref.oid) {
    await res.body?.cancel()
    throw new ApiError('RESOURCE_CONFLICT', `File ${describe(ref)}: the server sent content ${announced}, the file list says ${ref.oid}`)
  }
  const oid = ref.oid ?? announced
  if (oid !== undefined && !isContentId(oid)) {
    await res.body?.cancel()
    throw new ApiError('RESOURCE_CONFLICT', `File ${describe(ref)}: '${oid}' is not a content id this client can check`)
  }
  const length = res.headers.get('content-length')
  const size = length === null ? undefined : Number(length)
  const hash = oid === undefined ? undefined : hasherFor(oid)
  let received = 0
  const verify = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash?.update(chunk)
      received += chunk.length
      done(null, chunk)
    },
    flush(done) {
      if (size !== undefined && received !== size) {
        return done(new ApiError('RESOURCE_CONFLICT', `File ${describe(ref)} stopped after ${received} of ${size} bytes`))
      }
      const digest = hash?.id()
      if (oid && digest !== oid) {
        return done(new ApiError('RESOURCE_CONFLICT', `File ${describe(ref)} changed: its bytes hash to ${digest}, the version recorded ${oid}`))
      }
      done()
    },
  })
  const source = res.body ? Readable.fromWeb(res.body as never) : Readable.from([])
  source.on('error', (err) => {
    // The server aborts a response when it sees the file change mid-read; a dropped connection looks the same.
    const why = `the transfer broke off after ${received}${size !== undefined ? ` of ${size}` : ''} bytes (${err.message}); ` +
      'the server stops sending a file that changed in the datastore since the version was taken'
    verify.destroy(new ApiError('RESOURCE_CONFLICT', `Reading file ${describe(ref)} failed: ${why}`))
  })
  verify.on('close', () => source.destroy())
  source.pipe(verify)
  return { oid, size, stream: verify }
}

/** The whole file in memory, verified. */
export async function readVerifiedFile(transport: Transport, requestPath: string, ref: FileRef): Promise<Buffer> {
  const { stream } = await openVerifiedFile(transport, requestPath, ref)
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/**
 * Writes the file to `dest` atomically: the bytes go to a temporary name in the same folder and are
 * renamed into place only once complete and verified, so `dest` is either absent, the old file, or
 * the right bytes, never a partial or wrong file.
 */
export async function downloadVerifiedFile(transport: Transport, requestPath: string, ref: FileRef, dest: string): Promise<number> {
  const { stream } = await openVerifiedFile(transport, requestPath, ref)
  const tmp = path.join(path.dirname(dest), `.${path.basename(dest)}.${process.pid}.${Math.random().toString(36).slice(2)}.part`)
  let bytes = 0
  stream.on('data', (chunk: Buffer) => (bytes += chunk.length))
  try {
    await pipeline(stream, fs.createWriteStream(tmp))
    await fsp.rename(tmp, dest)
  } catch (err) {
    await fsp.rm(tmp, { force: true })
    throw err
  }
  return bytes
}
