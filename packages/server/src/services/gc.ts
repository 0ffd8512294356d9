import fs from 'node:fs'
import { parseContentId } from '@railyard/content-id'
import type { BlobStat, BlobStore } from '../blob/blob.js'
import { createBlobStore } from '../blob/create-blob-store.js'
import { defaultConfig } from '../config.js'
import { resolveDestination } from '../main.js'
import { sqliteFileFromUri } from '../store/dialects.js'
import { ObjectStore } from '../objects/object-store.js'
import { ObjectReferencesRepo, type PendingRegistrationRow } from '../store/object-references-repo.js'
import { Store } from '../store/store.js'
import { GcRefusedError, ObjectReferences, type MarkCounts } from './gc-references.js'

export { GcRefusedError }

/** The grace period when none is given: one day. */
export const DEFAULT_GC_MIN_AGE_MS = 24 * 60 * 60 * 1000

export interface GcOptions {
  /**
   * Objects written less than this long ago (ms, from the blob's last-modified time) are kept even
   * when nothing references them: a snapshot or registration writes its objects before the row
   * that names them.
   */
  minAgeMs: number
  /** Delete the garbage; without it nothing is deleted and the report says what would go. */
  apply?: boolean
  onProgress?: (p: GcProgress) => void
  /** Called for each key that goes (or would go), before it is deleted. */
  onGarbage?: (key: string, size: number) => void
}

export type GcProgress =
  | { phase: 'marking'; counts: MarkCounts }
  | { phase: 'sweeping'; listed: number; garbage: number; deleted: number }

/** How many objects and how many bytes. */
export interface Tally {
  objects: number
  bytes: number
}

export interface GcReport {
  dry_run: boolean
  min_age_ms: number
  /** What the database references (counted from the database, not the store). */
  marked: MarkCounts & { object_ids: number }
  /** Every key listed under `objects/`. */
  scanned: Tally
  /** Referenced: kept. */
  referenced: Tally
  /** Unreferenced but younger than the grace period: kept. */
  young: Tally
  /** Keys under `objects/` that are not object keys: kept, never touched. */
  unrecognized: Tally
  /** What goes (or would go without a dry run): unreferenced objects and leftover uploads. */
  garbage: Tally
  /** The part of `garbage` that is leftover one-shot uploads under `objects/tmp/`. */
  leftover_uploads: Tally
  /** Garbage kept because registrations were copying files (see `held_by`). */
  held: Tally
  /** Registrations in progress (model name and version) that held objects back. */
  held_by: string[]
  /** What was deleted: zero in a dry run. */
  deleted: Tally
}

const DELETE_CONCURRENCY = 8
const OBJECT_KEY = /^(sha256|blake3)\/([0-9a-f]{2})\/([0-9a-f]{62})$/

/**
 * Removes content-addressed objects nothing references any more (mark and sweep), safely:
 *
 * 1. Mark: every object id the database references (ObjectReferences says what counts).
 * 2. Sweep: list `objects/` page by page. A key is garbage when it is an object nobody references,
 *    or a leftover one-shot upload (`objects/tmp/…`), and its last write is older than the grace
 *    period. Keys that are neither are never touched.
 * 3. Before each page's deletions the version tables are read again, so objects a registration or
 *    snapshot that finished meanwhile now names are kept; while any registration is still copying
 *    files, no object is deleted (leftover uploads still are).
 *
 * It refuses (GcRefusedError, before deleting anything) when the database has never stored an
 * object but the store holds some (the wrong database), and when a tree or pinned manifest that
 * something references cannot be read. The store's `objects/` must belong to this database alone.
 *
 * Not covered: a writer that found an old unreferenced object already present (content
 * addressing skips the write) while gc deletes it in the same moment; the grace period and the
 * per-page re-check make that window one page of deletions wide.
 */
export class GarbageCollector {
  private readonly objects: ObjectStore

  constructor(
    private readonly store: Store,
    private readonly blobs: BlobStore,
    private readonly prefix = 'objects/',
    private readonly clock: () => number = Date.now,
  ) {
    this.objects = new ObjectStore(blobs, prefix)
  }

  async run(opts: GcOptions): Promise<GcReport> {
    if (!Number.isFinite(opts.minAgeMs) || opts.minAgeMs < 0) throw new RangeError(`Invalid minimum age ${opts.minAgeMs}`)
    const repo = new ObjectReferencesRepo(this.store.db)
    const refs = new ObjectReferences(repo, this.objects, this.clock)
    const report = emptyReport(opts)
    let pending = await refs.markAll((counts) => opts.onProgress?.({ phase: 'marking', counts }))
    report.marked = { ...refs.counts, object_ids: refs.oids.size }
    await this.checkSameDatabase(repo)

    // Ages are measured from one instant, so the dry run and --apply judge a key alike.
    const now = this.clock()
    let token: string | undefined
    let listed = 0
    do {
      const page = await this.blobs.listPage(this.prefix, { token })
      token = page.nextToken
      listed += page.items.length
      if (opts.apply && page.items.length > 0) pending = await refs.refresh()
      const doomed: BlobStat[] = []
      for (const item of page.items) {
        const verdict = this.judge(item, refs, now - opts.minAgeMs)
        add(report.scanned, item)
        if (verdict === 'referenced' || verdict === 'young' || verdict === 'unrecognized') {
          add(report[verdict], item)
        } else if (verdict === 'object' && pending.length > 0) {
          add(report.held, item)
        } else {
          add(report.garbage, item)
          if (verdict === 'upload') add(report.leftover_uploads, item)
          opts.onGarbage?.(item.key, item.size)
          doomed.push(item)
        }
      }
      if (pending.length > 0) report.held_by = pending.map((p) => `${p.name ?? '?'} version ${p.version}`)
      if (opts.apply) await this.deleteAll(doomed, report.deleted)
      opts.onProgress?.({ phase: 'sweeping', listed, garbage: report.garbage.objects, deleted: report.deleted.objects })
    } while (token)
    report.marked.object_ids = refs.oids.size
    return report
  }

  /** What a listed key is; `cutoff` is the newest last-modified time that counts as old enough. */
  private judge(item: BlobStat, refs: ObjectReferences, cutoff: number): 'referenced' | 'young' | 'unrecognized' | 'object' | 'upload' {
    const rest = item.key.slice(this.prefix.length)
    const old = Number.isFinite(item.mtime) && item.mtime <= cutoff
    if (rest.startsWith('tmp/')) return old ? 'upload' : 'young'
    const oid = oidOfKey(rest)
    if (!oid) return 'unrecognized'
    if (refs.has(oid)) return 'referenced'
    return old ? 'object' : 'young'
  }

  /** A database that never stored an object, next to a store that has some, is not their database. */
  private async checkSameDatabase(repo: ObjectReferencesRepo): Promise<void> {
    if (await repo.everStoredObjects()) return
    for (const algorithm of ['sha256', 'blake3']) {
      const page = await this.blobs.listPage(`${this.prefix}${algorithm}/`, { limit: 1 })
      if (page.items.length > 0) {
        throw new GcRefusedError(
          'This database has never registered a model version or taken a dataset version, but the artifact store holds objects: ' +
            'it looks like the wrong database for this artifact store (check --backend-store-uri and --artifacts-destination). Nothing was deleted.',
        )
      }
    }
  }

  private async deleteAll(items: BlobStat[], deleted: Tally): Promise<void> {
    let next = 0
    const worker = async () => {
      while (next < items.length) {
        const item = items[next++]
        // A writer that reused the object since it was listed renewed its time (ObjectStore.reuse):
        // it is no longer garbage.
        const current = await this.blobs.stat(item.key).catch(() => undefined)
        if (!current || current.mtime !== item.mtime) continue
        await this.blobs.delete(item.key)
        add(deleted, item)
      }
    }
    await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, items.length) }, worker))
  }
}

/** Where to collect: the options `railyard server` takes for the same thing. */
export interface GcTarget {
  /** postgresql://…, sqlite:///path or a SQLite file; default `$RAILYARD_HOME/railyard.db`. */
  backendStoreUri?: string
  /** The artifact store (folder, file:, s3://, azure://); default `$RAILYARD_HOME/artifacts`. */
  artifactsDestination?: string
}

export interface OpenedGc {
  gc: GarbageCollector
  backendStoreUri: string
  artifactsDestination: string
  close(): Promise<void>
}

/**
 * Opens the database and artifact store that `railyard server` would open with the same options
 * and environment (and migrates the database as the server does; a database newer than this code
 * fails to open, so objects it references in ways this code does not know are never collected).
 * A SQLite file that does not exist is a GcRefusedError rather than a new empty database.
 */
export async function openGarbageCollector(target: GcTarget = {}, env: NodeJS.ProcessEnv = process.env): Promise<OpenedGc> {
  const base = defaultConfig(env)
  const backendStoreUri = target.backendStoreUri ?? base.backendStoreUri
  const artifactsDestination = target.artifactsDestination ? resolveDestination(target.artifactsDestination) : base.artifactsDestination
  if (!/^postgres(ql)?:\/\//i.test(backendStoreUri)) {
    const file = sqliteFileFromUri(backendStoreUri)
    if (file === ':memory:' || !fs.existsSync(file)) {
      throw new GcRefusedError(`There is no database at ${file}: pass the --backend-store-uri the server uses.`)
    }
  }
  if (/^memory:/i.test(artifactsDestination)) throw new GcRefusedError('A memory: artifact store lives only inside its server; there is nothing to collect.')
  const blobs = await createBlobStore(artifactsDestination)
  const store = await Store.open(backendStoreUri)
  return { gc: new GarbageCollector(store, blobs), backendStoreUri, artifactsDestination, close: () => store.close() }
}

/** The object id stored under `rest` (a key without the objects prefix), or undefined. */
function oidOfKey(rest: string): string | undefined {
  const m = OBJECT_KEY.exec(rest)
  if (!m) return undefined
  const oid = `${m[1]}:${m[2]}${m[3]}`
  return parseContentId(oid) ? oid : undefined
}

function add(t: Tally, item: BlobStat): void {
  t.objects++
  t.bytes += item.size
}

function emptyReport(opts: GcOptions): GcReport {
  const tally = (): Tally => ({ objects: 0, bytes: 0 })
  return {
    dry_run: !opts.apply,
    min_age_ms: opts.minAgeMs,
    marked: { model_versions: 0, dataset_versions: 0, files: 0, cached_hashes: 0, object_ids: 0 },
    scanned: tally(),
    referenced: tally(),
    young: tally(),
    unrecognized: tally(),
    garbage: tally(),
    leftover_uploads: tally(),
    held: tally(),
    held_by: [],
    deleted: tally(),
  }
}

export type { MarkCounts, PendingRegistrationRow }
