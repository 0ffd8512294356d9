import { algorithmForSize } from '@railyard/content-id'
import type { ObjectStore } from '../../objects/object-store.js'
import { FileChangedError, type DataSource, type SourceFile } from './data-source.js'

/**
 * Copies a file's content into the object store under the id the snapshot computed, unless the
 * object is already there. Bytes the snapshot still holds are written as they are; others are
 * streamed from the datastore and hashed again, so content that changed since it was hashed
 * fails the snapshot instead of being stored under the wrong version.
 */
export async function pinFile(objects: ObjectStore, source: DataSource, file: SourceFile, oid: string, bytes?: Buffer): Promise<boolean> {
  if (await objects.reuseExisting(oid)) return false
  if (bytes) {
    await objects.blobs.put(objects.keyOf(oid), bytes)
    return true
  }
  const stored = await objects.put(await source.open(file.key), algorithmForSize(file.size))
  if (stored.oid !== oid) throw new FileChangedError(file.key, 'its content differs from when it was hashed')
  return true
}
