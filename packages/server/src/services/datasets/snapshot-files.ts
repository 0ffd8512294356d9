import type { ObjectStore } from '../../objects/object-store.js'
import { compareUtf8, type ManifestWriter } from '../../objects/manifest.js'
import type { StatCacheEntry, StatCacheRepo } from '../../store/stat-cache-repo.js'
import { SMALL_FILE, type DataSource, type HashResult, type SourceFile } from './data-source.js'
import type { Selection } from './glob.js'
import { limiter } from './limiter.js'
import { pinFile } from './pin.js'
import type { Progress } from './progress.js'

/** A selected file: its datastore key and its path in the version (relative to the dataset's folder). */
export interface SelectedFile extends SourceFile {
  path: string
}

// Files looked up in the stat cache and hashed per round; the next round's lookup runs meanwhile.
const BATCH = 1000
// Small files hashed at once (each read whole), and large files (each streaming through 2 × 4 MiB).
const SMALL_CONCURRENCY = 16
const LARGE_CONCURRENCY = 2

/** Lists the dataset's files, in path order; totals grow as pages arrive. */
export async function listSelection(source: DataSource, selection: Selection, progress: Progress): Promise<SelectedFile[]> {
  const files: SelectedFile[] = []
  const cut = selection.root ? selection.root.length + 1 : 0
  let sorted = true
  for await (const page of source.list(selection.root)) {
    for (const f of page) {
      const path = f.key.slice(cut)
      if (!selection.matches(path)) continue
      if (sorted && files.length && compareUtf8(files[files.length - 1].path, path) >= 0) sorted = false
      files.push({ ...f, path })
      progress.files_total++
      progress.bytes_total += f.size
    }
    progress.tick()
  }
  // Listings come in key order on every adapter we have; sort anyway should one not.
  if (!sorted) files.sort((a, b) => compareUtf8(a.path, b.path))
  return files
}

export interface HashOptions {
  datastoreId: number
  pin: boolean
  objects: ObjectStore
}

/**
 * Hashes every file the stat cache does not know at its current size and marker, adds each file to
 * the manifest in order, and records new hashes in the cache (one statement per batch). With
 * `pin`, every file's content is also put in the object store.
 */
export async function hashSelection(
  source: DataSource,
  files: SelectedFile[],
  cache: StatCacheRepo,
  writer: ManifestWriter,
  opts: HashOptions,
  progress: Progress,
): Promise<void> {
  const small = limiter(SMALL_CONCURRENCY)
  const large = limiter(LARGE_CONCURRENCY)
  const pinning = limiter(SMALL_CONCURRENCY)
  const lookup = (start: number) => {
    const p = start < files.length ? cache.lookup(opts.datastoreId, files.slice(start, start + BATCH).map((f) => f.key)) : Promise.resolve([])
    // Awaited in the next round; if this round fails first, its rejection must not go unhandled.
    p.catch(() => {})
    return p
  }

  let nextLookup = lookup(0)
  for (let start = 0; start < files.length; start += BATCH) {
    const batch = files.slice(start, start + BATCH)
    const known = new Map((await nextLookup).map((e) => [e.path, e]))
    nextLookup = lookup(start + BATCH)
    const fresh: StatCacheEntry[] = []
    const oids = await Promise.all(
      batch.map(async (f) => {
        const hit = known.get(f.key)
        let result: HashResult
        if (hit && hit.size === f.size && hit.marker === f.marker) {
          result = { oid: hit.oid }
          progress.files_cached = (progress.files_cached ?? 0) + 1
        } else {
          const run = f.size <= SMALL_FILE ? small : large
          result = await run(() => source.hash(f, opts.pin))
          fresh.push({ path: f.key, size: f.size, marker: f.marker, oid: result.oid })
        }
        if (opts.pin) await pinning(() => pinFile(opts.objects, source, f, result.oid, result.bytes))
        progress.files_done++
        progress.bytes_done += f.size
        progress.tick()
        return result.oid
      }),
    )
    for (let i = 0; i < batch.length; i++) {
      const f = batch[i]
      await writer.add({ path: f.path, size: f.size, oid: oids[i], marker: f.marker })
    }
    await cache.upsert(opts.datastoreId, fresh)
  }
  await nextLookup
}
