import { algorithmForSize } from '@railyard/content-id'
import type { ObjectStore } from '../../objects/object-store.js'
import { compareUtf8, type ManifestWriter } from '../../objects/manifest.js'
import type { StatCacheRepo } from '../../store/stat-cache-repo.js'
import { SMALL_FILE, type DataSource, type HashResult, type SourceFile } from './data-source.js'
import type { Selection } from './glob.js'
import { limiter } from './limiter.js'
import { pinFile } from './pin.js'
import type { Progress } from './progress.js'

type Limiter = ReturnType<typeof limiter>

/** A selected file: its datastore key and its path in the version (relative to the dataset's folder). */
export interface SelectedFile extends SourceFile {
  path: string
}

// Files looked up in the stat cache and hashed together.
const BATCH = 1000
// Batches looked up and hashed ahead of the one being written: enough to keep the hash workers
// busy while this thread lists and writes, few enough that a listing is never held whole.
const AHEAD = 3
// Small files hashed at once (each read whole), and large files (each streaming through 2 × 4 MiB).
const SMALL_CONCURRENCY = 16
const LARGE_CONCURRENCY = 2

/** The listing came out of path order, so its files cannot be streamed into a manifest. */
export class UnsortedListingError extends Error {
  constructor(readonly before: string, readonly after: string) {
    super(`The datastore listed '${after}' after '${before}', out of path order`)
  }
}

/**
 * The dataset's files in batches of up to BATCH, as the listing yields them, so hashing starts
 * with the first page and no listing is held whole; totals grow as pages arrive. `onListed` runs
 * once the listing is complete, before the last batch is handed out (it may throw, e.g. when
 * nothing matched). Throws UnsortedListingError at the first path that does not sort after the
 * one before it: listings come in key order on every adapter we have, and `listSelection` is the
 * way out for one that does not.
 */
export async function* selectBatches(
  source: DataSource,
  selection: Selection,
  progress: Progress,
  onListed: (files: number) => void,
): AsyncGenerator<SelectedFile[]> {
  const cut = selection.root ? selection.root.length + 1 : 0
  let batch: SelectedFile[] = []
  let last: string | undefined
  let files = 0
  for await (const page of source.list(selection.root)) {
    for (const f of page) {
      const path = f.key.slice(cut)
      if (!selection.matches(path)) continue
      if (last !== undefined && compareUtf8(last, path) >= 0) throw new UnsortedListingError(last, path)
      last = path
      // A full batch goes out once another file follows, so the last one always comes after onListed.
      if (batch.length === BATCH) {
        yield batch
        batch = []
      }
      // The listing's own object, extended: no copy per file.
      const selected = f as SelectedFile
      selected.path = path
      batch.push(selected)
      files++
      progress.files_total++
      progress.bytes_total += f.size
    }
    progress.tick()
  }
  onListed(files)
  if (batch.length) yield batch
}

/**
 * The whole selection in memory, sorted by path: for a datastore whose listing is not in path
 * order (see UnsortedListingError). Totals grow as pages arrive.
 */
export async function listSelection(source: DataSource, selection: Selection, progress: Progress): Promise<SelectedFile[]> {
  const files: SelectedFile[] = []
  const cut = selection.root ? selection.root.length + 1 : 0
  for await (const page of source.list(selection.root)) {
    for (const f of page) {
      const path = f.key.slice(cut)
      if (!selection.matches(path)) continue
      const selected = f as SelectedFile
      selected.path = path
      files.push(selected)
      progress.files_total++
      progress.bytes_total += f.size
    }
    progress.tick()
  }
  return files.sort((a, b) => compareUtf8(a.path, b.path))
}

/** Sorted files in batches, for hashSelection. */
export async function* batchesOf(files: SelectedFile[]): AsyncGenerator<SelectedFile[]> {
  for (let i = 0; i < files.length; i += BATCH) yield files.slice(i, i + BATCH)
}

export interface HashOptions {
  datastoreId: number
  pin: boolean
  /**
   * Hash every file again instead of trusting the stat cache. A cache entry is stale when a file's
   * bytes changed but its size and change marker did not (a copy that kept the file's time, a file
   * system with coarse times); the new hashes replace the entries.
   */
  rehash?: boolean
  objects: ObjectStore
}

/**
 * Hashes every file the stat cache does not know at its current size and marker, adds each file to
 * the manifest in order, and records new hashes in the cache (one statement per batch). With
 * `pin`, every file's content is also put in the object store. Batches must come in path order
 * (see selectBatches); returns how many files there were.
 *
 * Without pinning, up to AHEAD batches are looked up and hashed (by the source's workers, where it
 * has them) while the oldest is written to the manifest and the cache, and the listing pauses when
 * that many are in flight: memory stays bounded however many files there are. Pinning keeps each
 * batch's bytes, so its batches go one at a time.
 */
export async function hashSelection(
  source: DataSource,
  batches: AsyncIterable<SelectedFile[]>,
  cache: StatCacheRepo,
  writer: ManifestWriter,
  opts: HashOptions,
  progress: Progress,
): Promise<number> {
  const pinning = limiter(SMALL_CONCURRENCY)
  // Shared by the batches in flight, so hashing one at a time or several reads as many files at once.
  const limits = { small: limiter(SMALL_CONCURRENCY), large: limiter(LARGE_CONCURRENCY) }
  const prepare = async (batch: SelectedFile[]): Promise<HashedBatch> => {
    const cached = opts.rehash ? [] : await cache.lookupRange(opts.datastoreId, batch[0].key, batch[batch.length - 1].key)
    const known = new Map(cached.map((e) => [e.path, e]))
    const results: HashResult[] = new Array(batch.length)
    const misses: number[] = []
    batch.forEach((f, i) => {
      const hit = known.get(f.key)
      // A hash from before large files were named by BLAKE3 is not reused: same files, same id.
      if (hit && hit.size === f.size && hit.marker === f.marker && hit.oid.startsWith(`${algorithmForSize(f.size)}:`)) results[i] = { oid: hit.oid }
      else misses.push(i)
    })
    progress.files_cached = (progress.files_cached ?? 0) + batch.length - misses.length
    await hashMisses(source, batch, misses, results, opts.pin, progress, limits)
    return { batch, results, misses }
  }
  const write = async ({ batch, results, misses }: HashedBatch) => {
    // Files whose cached hash turned out stale while pinning: recorded with their real hash.
    const corrected: number[] = []
    if (opts.pin) {
      const hashed = new Set(misses)
      await Promise.all(
        batch.map((f, i) =>
          pinning(async () => {
            const oid = await pinFile(opts.objects, source, f, results[i].oid, results[i].bytes, !hashed.has(i))
            if (oid !== results[i].oid) {
              results[i] = { oid }
              corrected.push(i)
            }
          }),
        ),
      )
    }
    for (let i = 0; i < batch.length; i++) {
      const f = batch[i]
      writer.append({ path: f.path, size: f.size, oid: results[i].oid, marker: f.marker })
    }
    progress.files_done += batch.length
    // Bytes read were counted as they came (a hashed file reads exactly its size); cached files count now.
    let cachedBytes = batch.reduce((n, f) => n + f.size, 0)
    for (const i of misses) cachedBytes -= batch[i].size
    progress.bytes_done += cachedBytes
    progress.tick()
    await cache.upsert(
      opts.datastoreId,
      [...misses, ...corrected].map((i) => ({ path: batch[i].key, size: batch[i].size, marker: batch[i].marker, oid: results[i].oid })),
    )
    await writer.drained()
  }

  const ahead = opts.pin ? 0 : AHEAD
  const inFlight: Array<Promise<HashedBatch>> = []
  let files = 0
  try {
    for await (const batch of batches) {
      if (batch.length === 0) continue
      files += batch.length
      const prepared = prepare(batch)
      // Awaited in order below; if an earlier batch fails first, this rejection must not go unhandled.
      prepared.catch(() => {})
      inFlight.push(prepared)
      while (inFlight.length > ahead) await write(await inFlight.shift()!)
    }
    while (inFlight.length) await write(await inFlight.shift()!)
  } finally {
    // After a failure, batches still in flight settle before the caller discards the manifest.
    await Promise.allSettled(inFlight)
  }
  return files
}

interface HashedBatch {
  batch: SelectedFile[]
  results: HashResult[]
  misses: number[]
}

/** Hashes the files at `misses`, in one batch where the source can, else a few at a time. */
async function hashMisses(
  source: DataSource,
  batch: SelectedFile[],
  misses: number[],
  results: HashResult[],
  keep: boolean,
  progress: Progress,
  limits: { small: Limiter; large: Limiter },
) {
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
  await Promise.all(
    misses.map(async (i) => {
      const f = batch[i]
      results[i] = await (f.size <= SMALL_FILE ? limits.small : limits.large)(() => source.hash(f, keep, onBytes))
    }),
  )
}
