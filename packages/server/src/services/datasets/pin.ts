import { algorithmForSize } from '@railyard/content-id'
import type { ObjectStore } from '../../objects/object-store.js'
import { FileChangedError, type DataSource, type SourceFile } from './data-source.js'

/**
 * Copies a file's content into the object store under the id the snapshot computed, unless the
 * object is already there, and returns the id the stored content has. Bytes the snapshot still
 * holds are written as they are; others are streamed from the datastore and hashed again. Content
 * that differs from a hash made by this snapshot changed while it was read and fails the snapshot
 * instead of being stored under the wrong version; content that differs from a hash the stat cache
 * gave (`fromCache`) means the cache entry was stale (the bytes changed but the size and change
 * marker did not, as after a copy that kept the file's time): the bytes just read are the file's,
 * and their id is returned in its place.
 */
export async function pinFile(objects: ObjectStore, source: DataSource, file: SourceFile, oid: string, bytes?: Buffer, fromCache = false): Promise<string> {
  if (await objects.reuseExisting(oid)) return oid
  if (bytes) {
    await objects.blobs.put(objects.keyOf(oid), bytes)
    return oid
  }
  const stored = await objects.put(await source.open(file.key), algorithmForSize(file.size))
  if (stored.oid !== oid && !fromCache) throw new FileChangedError(file.key, 'its content differs from when it was hashed')
  return stored.oid
}
