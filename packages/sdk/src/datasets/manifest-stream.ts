import { createHash, type Hash } from 'node:crypto'
import { ApiError, DATASET_MANIFEST_HEADER, type DatasetFile } from '@railyard/api'
import type { Transport } from '../http.js'
import { ndjsonLines } from './ndjson.js'

/** What the manifest stream says about itself before its first file. */
export interface ManifestHead {
  /** The full version id (`sha256:…`), also when the version was named by a prefix or `latest`. */
  versionId: string
  /** Files in the version. */
  fileCount: number
}

// Times a broken manifest stream is reopened where it stopped.
const RECONNECTS = 3

/**
 * A version's files streamed from its stored manifest, one at a time, in path order; memory stays
 * flat however many files the version has. The SHA-256 of the whole body must equal the version
 * id: a manifest that does not hash to its id (corrupted in storage or in transit) throws at the
 * end, after its last file, so callers that must not act on a bad list collect first.
 *
 * A consumer slower than the network lets the server finish sending long before the last line is
 * read; the server then closes the idle connection (its keep-alive timeout) and the client, still
 * holding unread bytes, reports the stream as cut. So a stream that breaks is reopened: the lines
 * already yielded are read again, checked to be the same, and skipped.
 */
export async function* streamManifest(
  transport: Transport,
  path: string,
  onHead?: (head: ManifestHead) => void,
): AsyncGenerator<DatasetFile> {
  let yielded = 0
  // Digest of the lines yielded so far, to check a reopened stream repeats them exactly.
  const given = createHash('sha256')
  for (let attempt = 0; ; attempt++) {
    const res = await transport.send({ method: 'GET', path, headers: { accept: 'application/x-ndjson' }, timeoutMs: 0 })
    const versionId = res.headers.get('x-railyard-version-id') ?? ''
    const fileCount = Number(res.headers.get('x-railyard-file-count') ?? NaN)
    if (attempt === 0) onHead?.({ versionId, fileCount })
    const body = createHash('sha256')
    const expectedPrefix = yielded > 0 ? given.copy().digest('hex') : undefined
    const skipped: Hash = createHash('sha256')
    let first = true
    let count = 0
    try {
      for await (const line of ndjsonLines(res.body, (chunk) => body.update(chunk))) {
        if (first) {
          first = false
          if (line !== DATASET_MANIFEST_HEADER) throw new ApiError('INTERNAL_ERROR', `Not a dataset manifest: it starts with ${line.slice(0, 100)}`)
          continue
        }
        const index = count++
        if (index < yielded) {
          skipped.update(`${line}\n`)
          if (index === yielded - 1 && skipped.digest('hex') !== expectedPrefix) {
            throw new ApiError('INTERNAL_ERROR', `The manifest of version ${versionId} changed between two reads: it is corrupted, do not use its file list`)
          }
          continue
        }
        given.update(`${line}\n`)
        yielded++
        yield JSON.parse(line) as DatasetFile
      }
    } catch (err) {
      // fetch reports a connection that broke mid-body as a TypeError ("terminated").
      if (err instanceof TypeError && attempt < RECONNECTS) continue
      throw err
    }
    const digest = `sha256:${body.digest('hex')}`
    if (versionId && digest !== versionId) {
      throw new ApiError('INTERNAL_ERROR', `The manifest of version ${versionId} hashes to ${digest}: it is corrupted, do not use its file list`)
    }
    if (Number.isFinite(fileCount) && count !== fileCount) {
      throw new ApiError('INTERNAL_ERROR', `The manifest of version ${versionId} listed ${count} files, not the ${fileCount} announced`)
    }
    return
  }
}
