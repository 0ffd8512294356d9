import { ObjectNotFoundError } from '../objects/errors.js'
import { readManifest } from '../objects/manifest.js'
import type { ObjectStore } from '../objects/object-store.js'
import { OidSet } from './oid-set.js'
import type { ObjectReferencesRepo, PendingRegistrationRow } from '../store/object-references-repo.js'

/** Garbage collection stopped before deleting anything that was not certainly garbage. */
export class GcRefusedError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'GcRefusedError'
  }
}

/** How much the mark phase found so far. */
export interface MarkCounts {
  model_versions: number
  dataset_versions: number
  /** Files of pinned dataset versions and of model trees. */
  files: number
  /** Hashes in the snapshot stat cache. */
  cached_hashes: number
}

/**
 * The set of object ids something still references (the mark phase of mark-and-sweep):
 * - a model version that is not deleted: its files tree (`storage_location`) and every file in it;
 * - every dataset version: its manifest (the version id), the manifest's index, a table's digest,
 *   and, when pinned, every file the manifest lists (read as a stream: a manifest may list
 *   millions of files);
 * - every hash in the snapshot stat cache, because a snapshot in progress pins files (and names
 *   them there) before its version row exists.
 *
 * `refresh()` reads the version tables again and marks what is new, so deletions can be checked
 * against writes that finished while the sweep ran; trees and manifests already read are not read
 * again. A tree or pinned manifest that is missing or unreadable is a GcRefusedError: what it lists
 * cannot be known, so nothing may be deleted. The ids are held in memory as raw digests (OidSet),
 * 47–94 bytes each.
 */
export class ObjectReferences {
  readonly oids = new OidSet()
  readonly counts: MarkCounts = { model_versions: 0, dataset_versions: 0, files: 0, cached_hashes: 0 }
  private readonly readTrees = new Set<string>()
  private readonly readManifests = new Set<string>()
  private statCacheScannedAt = 0
  private statCacheScanMs = 0

  constructor(
    private readonly repo: ObjectReferencesRepo,
    private readonly objects: ObjectStore,
    private readonly clock: () => number = Date.now,
  ) {}

  has(oid: string): boolean {
    return this.oids.has(oid)
  }

  /**
   * Marks everything referenced now. Returns the registrations still copying files: while there
   * are any, the objects they will name are unknown, so no object may be deleted.
   */
  async markAll(onProgress?: (c: MarkCounts) => void): Promise<PendingRegistrationRow[]> {
    const pending = await this.markVersions(onProgress)
    await this.markStatCache(onProgress)
    return pending
  }

  /**
   * Marks what versions reference now (only new trees and manifests are read) and, at most once a
   * minute (or once per ten scans' time for a large cache), the stat cache again. Returns the
   * registrations in progress, as markAll.
   */
  async refresh(): Promise<PendingRegistrationRow[]> {
    const pending = await this.markVersions()
    if (this.clock() - this.statCacheScannedAt > Math.max(60_000, 10 * this.statCacheScanMs)) await this.markStatCache()
    return pending
  }

  private async markVersions(onProgress?: (c: MarkCounts) => void): Promise<PendingRegistrationRow[]> {
    // Pending first: a registration finishing between the two reads then shows up as a tree.
    const pending = await this.repo.pendingRegistrations()
    const versions = await this.repo.liveVersionTrees()
    this.counts.model_versions = versions.length
    for (const v of versions) {
      await this.markTree(v.storage_location, `model '${v.name}' version ${v.version}`)
      onProgress?.(this.counts)
    }
    const datasetVersions = await this.repo.datasetVersions()
    this.counts.dataset_versions = datasetVersions.length
    for (const d of datasetVersions) {
      this.oids.add(d.version_id)
      this.oids.add(d.index_oid)
      if (d.table_digest) this.oids.add(d.table_digest)
      if (d.pinned) await this.markPinnedManifest(d.version_id, `dataset '${d.name}' version ${d.version_id}`, onProgress)
      onProgress?.(this.counts)
    }
    return pending
  }

  private async markTree(treeOid: string, owner: string): Promise<void> {
    this.oids.add(treeOid)
    if (this.readTrees.has(treeOid)) return
    const tree = await this.objects.getTree(treeOid).catch((err) => Promise.reject(unreadable(err, treeOid, `the files tree of ${owner}`)))
    for (const e of tree.entries) this.oids.add(e.oid)
    this.counts.files += tree.entries.length
    this.readTrees.add(treeOid)
  }

  private async markPinnedManifest(oid: string, owner: string, onProgress?: (c: MarkCounts) => void): Promise<void> {
    if (this.readManifests.has(oid)) return
    try {
      // Read through the verifying stream: a damaged manifest fails here instead of listing less.
      for await (const { entry } of readManifest(await this.objects.get(oid))) {
        this.oids.add(entry.oid)
        if (++this.counts.files % 10_000 === 0) onProgress?.(this.counts)
      }
    } catch (err) {
      throw unreadable(err, oid, `the manifest of ${owner} (pinned)`)
    }
    this.readManifests.add(oid)
  }

  private async markStatCache(onProgress?: (c: MarkCounts) => void): Promise<void> {
    const started = this.clock()
    let n = 0
    for await (const page of this.repo.statCacheOids()) {
      for (const oid of page) this.oids.add(oid)
      n += page.length
      this.counts.cached_hashes = n
      onProgress?.(this.counts)
    }
    this.counts.cached_hashes = n
    this.statCacheScannedAt = this.clock()
    this.statCacheScanMs = this.statCacheScannedAt - started
  }
}

function unreadable(err: unknown, oid: string, what: string): Error {
  const reason = err instanceof ObjectNotFoundError ? 'it is missing from the artifact store' : (err as Error)?.message ?? String(err)
  return new GcRefusedError(
    `Cannot read ${what} (${oid}): ${reason}. What it lists cannot be known, so nothing was deleted; restore the object or fix the store first.`,
  )
}
