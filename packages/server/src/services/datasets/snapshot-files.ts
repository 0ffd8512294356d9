import { algorithmForSize } from '@railyard/content-id'
import type { ObjectStore } from '../../objects/object-store.js'
import { compareUtf8, type ManifestWriter } from '../../objects/manifest.js'
import type { StatCacheRepo } from '../../store/stat-cache-repo.js'
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
      // The listing's own object, extended: a million files are a million objects either way.
      const selected = f as SelectedFile
      selected.path = path
      files.push(selected)
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
 *
 * Without pinning, the next batch is looked up and hashed (by the source's workers, where it has
 * them) while this batch is written to the manifest and the cache: at most two batches are in
 * memory. Pinning keeps each batch's bytes, so its batches go one at a time.
 */
export async function hashSelection(
  source: DataSource,
  files: SelectedFile[],
  cache: StatCacheRepo,
  writer: ManifestWriter,
  opts: HashOptions,
  progress: Progress,
): Promise<void> {
  const pinning = limiter(SMALL_CONCURRENCY)
  const lookup = (start: number) => {
    const batch = files.slice(start, start + BATCH)
    const p = batch.length ? cache.lookupRange(opts.datastoreId, batch[0].key, batch[batch.length - 1].key) : Promise.resolve([])
    // Awaited in the next round; if this round fails first, its rejection must not go unhandled.
    p.catch(() => {})
    return p
  }
  let nextLookup = lookup(0)
  // Looks up and hashes the batch at `start`; calls come in order, each after the previous lookup.
  const prepare = async (start: number): Promise<HashedBatch> => {
    const batch = files.slice(start, start + BATCH)
    const known = new Map((await nextLookup).map((e) => [e.path, e]))
    nextLookup = lookup(start + BATCH)
    const results: HashResult[] = new Array(batch.length)
    const misses: number[] = []
    batch.forEach((f, i) => {
      const hit = known.get(f.key)
      // A hash from before large files were named by BLAKE3 is not reused: same files, same id.
      if (hit && hit.size === f.size && hit.marker === f.marker && hit.oid.startsWith(`${algorithmForSize(f.size)}:`)) results[i] = { oid: hit.oid }
      else misses.push(i)
    })
    progress.files_cached = (progress.files_cached ?? 0) + batch.length - misses.length
    await hashMisses(source, batch, misses, results, opts.pin, progress)
    return { batch, results, misses }
  }
  const guarded = (start: number) => {
    const p = prepare(start)
    // Awaited in the next round; if this round fails first, its rejection must not go unhandled.
    p.catch(() => {})
    return p
  }

  let next: Promise<HashedBatch> | undefined = guarded(0)
  for (let start = 0; start < files.length; start += BATCH) {
    const { batch, results, misses } = await next!
    next = undefined
    if (!opts.pin && start + BATCH < files.length) next = guarded(start + BATCH)
    if (opts.pin) {
      await Promise.all(batch.map((f, i) => pinning(() => pinFile(opts.objects, source, f, results[i].oid, results[i].bytes))))
    }
    for (let i = 0; i < batch.length; i++) {
      const f = batch[i]
      await writer.add({ path: f.path, size: f.size, oid: results[i].oid, marker: f.marker })
    }
    progress.files_done += batch.length
    // Bytes read were counted as they came (a hashed file reads exactly its size); cached files count now.
    let cachedBytes = batch.reduce((n, f) => n + f.size, 0)
    for (const i of misses) cachedBytes -= batch[i].size
    progress.bytes_done += cachedBytes
    progress.tick()
    await cache.upsert(
      opts.datastoreId,
      misses.map((i) => ({ path: batch[i].key, size: batch[i].size, marker: batch[i].marker, oid: results[i].oid })),
    )
    if (opts.pin && start + BATCH < files.length) next = guarded(start + BATCH)
  }
  await nextLookup
}

interface HashedBatch {
  batch: SelectedFile[]
  results: HashResult[]
  misses: number[]
}

/** Hashes the files at `misses`, in one batch where the source can, else a few at a time. */
async function hashMisses(source: DataSource, batch: SelectedFile[], misses: number[], results: HashResult[], keep: boolean, progress: Progress) {
  if (misses.length === 0) return
  const onBytes = (n: number) => {
    progress.bytes_done += n
    progress.tick()
  }
  if (source.hashBatch) {
    const hashed = await source.hashBatch(misses.map((i) => batch[i]), keep, onBytes)
    hashed.forEach((r, j) => {
      if (r instanceof Error) throw r
      results[misses[j]] = r
    })
    return
  }
  const small = limiter(SMALL_CONCURRENCY)
  const large = limiter(LARGE_CONCURRENCY)
  await Promise.all(
    misses.map(async (i) => {
      const f = batch[i]
      results[i] = await (f.size <= SMALL_FILE ? small : large)(() => source.hash(f, keep, onBytes))
    }),
  )
}
