import { createHash } from 'node:crypto'
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

/**
 * A version's files streamed from its stored manifest, one at a time, in path order; memory stays
 * flat however many files the version has. The SHA-256 of the whole body must equal the version
 * id: a manifest that does not hash to its id (corrupted in storage or in transit) throws at the
 * end, after its last file, so callers that must not act on a bad list collect first.
 */
export async function* streamManifest(
  transport: Transport,
  path: string,
  onHead?: (head: ManifestHead) => void,
): AsyncGenerator<DatasetFile> {
  const res = await transport.send({ method: 'GET', path, headers: { accept: 'application/x-ndjson' }, timeoutMs: 0 })
  const versionId = res.headers.get('x-railyard-version-id') ?? ''
  const fileCount = Number(res.headers.get('x-railyard-file-count') ?? NaN)
  onHead?.({ versionId, fileCount })
  const hash = createHash('sha256')
  let first = true
  let count = 0
  for await (const line of ndjsonLines(res.body, (chunk) => hash.update(chunk))) {
    if (first) {
      first = false
      if (line !== DATASET_MANIFEST_HEADER) throw new ApiError('INTERNAL_ERROR', `Not a dataset manifest: it starts with ${line.slice(0, 100)}`)
      continue
    }
    count++
    yield JSON.parse(line) as DatasetFile
  }
  const digest = `sha256:${hash.digest('hex')}`
  if (versionId && digest !== versionId) {
    throw new ApiError('INTERNAL_ERROR', `The manifest of version ${versionId} hashes to ${digest}: it is corrupted, do not use its file list`)
  }
  if (Number.isFinite(fileCount) && count !== fileCount) {
    throw new ApiError('INTERNAL_ERROR', `The manifest of version ${versionId} listed ${count} files, not the ${fileCount} announced`)
  }
}
