import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { InvalidParameterError } from '@railyard/api'
import type { BlobStore } from './blob.js'
import { LocalBlobStore } from './local.js'
import { MemoryBlobStore } from './memory.js'

// Two letters at least, so a Windows drive (`C:\data`) reads as a path, not a scheme.
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]+):/

/**
 * The blob store a location names:
 * - a folder path (`./mlartifacts`, `/srv/artifacts`) or `file:` URL → LocalBlobStore
 * - `memory:` → a new, empty MemoryBlobStore
 * - `s3://bucket/prefix?…` → S3BlobStore, `azure://account/container/prefix?…` → AzureBlobStore
 *   (see blob-url.ts for their parameters; credentials come from the environment)
 *
 * The S3 and Azure modules, and their SDKs, load only when such a location is used.
 * Throws InvalidParameterError for a location it cannot serve.
 */
export async function createBlobStore(location: string): Promise<BlobStore> {
  if (typeof location !== 'string' || location.trim() === '') {
    throw new InvalidParameterError('The artifact store location is empty')
  }
  const scheme = SCHEME.exec(location)?.[1].toLowerCase()
  switch (scheme) {
    case undefined:
      return new LocalBlobStore(path.resolve(location))
    case 'file':
      return new LocalBlobStore(filePath(location))
    case 'memory':
      return new MemoryBlobStore()
    case 's3':
      return (await loadAdapter('s3', () => import('./s3.js'))).fromUrl(new URL(location))
    case 'azure':
      return (await loadAdapter('azure', () => import('./azure.js'))).fromUrl(new URL(location))
    default:
      throw new InvalidParameterError(
        `Unsupported artifact store '${location}': use a folder path, file://, s3://, azure:// or memory:`,
      )
  }
}

/** `file:///abs/path`, `file:/abs/path`, or `file:relative/path` (from the working directory). */
function filePath(location: string): string {
  if (!location.startsWith('file:/')) return path.resolve(location.slice('file:'.length))
  try {
    return fileURLToPath(new URL(location))
  } catch (err) {
    throw new InvalidParameterError(`Invalid file URL '${location}': ${(err as Error).message}`)
  }
}

async function loadAdapter<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load()
  } catch (err) {
    // A build may leave out the cloud adapters; say so instead of failing with a module error.
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
      throw new InvalidParameterError(`${name} artifact stores are not available in this build`)
    }
    throw err
  }
}
