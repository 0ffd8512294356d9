import { DATASET_LIMITS, InvalidParameterError, toInt, type DatasetDiff, type DatasetDiffEntry } from '@railyard/api'
import type { DatasetVersionRow } from '../../store/dataset-versions-repo.js'
import type { DatasetManifests } from '../../objects/dataset-manifests.js'
import { compareUtf8, type LocatedEntry } from '../../objects/manifest.js'
import { pageSize } from '../validation.js'

type Summary = DatasetDiff['summary']
type Change = { kind: 'added' | 'removed' | 'modified'; entry: DatasetDiffEntry }

const SUMMARY_CACHE = 256

/**
 * Diffs two versions by merging their manifests, which are sorted the same way: memory stays flat
 * for any size. The summary needs the whole merge once per pair; it is kept, so later pages seek
 * straight to where the previous page ended.
 */
export class DatasetDiffs {
  private readonly summaries = new Map<string, Summary>()

  constructor(private readonly manifests: DatasetManifests) {}

  async diff(from: DatasetVersionRow, to: DatasetVersionRow, req: { max_results?: number | string; page_token?: string }): Promise<DatasetDiff> {
    const size = pageSize(toInt(req.max_results), DATASET_LIMITS.filesDefault, DATASET_LIMITS.filesMax)
    const after = decodeAfter(req.page_token)
    const key = `${from.version_id} ${to.version_id}`
    const cached = this.summaries.get(key)
    const out: Record<Change['kind'], DatasetDiffEntry[]> = { added: [], removed: [], modified: [] }
    let taken = 0
    let last: string | undefined
    let more = false
    const summary: Summary = { added: 0, removed: 0, modified: 0, unchanged: 0, bytes_added: 0, bytes_removed: 0 }

    const a = after === undefined || !cached ? this.manifests.entries(from.version_id) : this.manifests.entriesFrom(from.version_id, from.index_oid, after)
    const b = after === undefined || !cached ? this.manifests.entries(to.version_id) : this.manifests.entriesFrom(to.version_id, to.index_oid, after)
    for await (const change of merge(a, b, summary)) {
      if (after !== undefined && compareUtf8(change.entry.path, after) <= 0) continue
      if (taken === size) {
        more = true
        // With a known summary nothing past this page is needed.
        if (cached) break
        continue
      }
      out[change.kind].push(change.entry)
      last = change.entry.path
      taken++
    }
    const total = cached ?? summary
    if (!cached) this.remember(key, summary)
    return {
      from: from.version_id,
      to: to.version_id,
      added: out.added,
      removed: out.removed,
      modified: out.modified,
      summary: total,
      next_page_token: more && last !== undefined ? Buffer.from(JSON.stringify({ after: last })).toString('base64') : undefined,
    }
  }

  private remember(key: string, summary: Summary): void {
    if (this.summaries.size >= SUMMARY_CACHE) this.summaries.delete(this.summaries.keys().next().value!)
    this.summaries.set(key, summary)
  }
}

/** Changes in path order, counting every path into `summary` as it goes. */
async function* merge(a: AsyncGenerator<LocatedEntry>, b: AsyncGenerator<LocatedEntry>, summary: Summary): AsyncGenerator<Change> {
  let x = await a.next()
  let y = await b.next()
  try {
    while (!x.done || !y.done) {
      const order = x.done ? 1 : y.done ? -1 : compareUtf8(x.value.entry.path, y.value.entry.path)
      if (order < 0) {
        const e = x.value!.entry
        summary.removed++
        summary.bytes_removed += e.size
        yield { kind: 'removed', entry: { path: e.path, size: e.size } }
        x = await a.next()
      } else if (order > 0) {
        const e = y.value!.entry
        summary.added++
        summary.bytes_added += e.size
        yield { kind: 'added', entry: { path: e.path, size: e.size } }
        y = await b.next()
      } else {
        const old = x.value!.entry
        const now = y.value!.entry
        if (old.oid !== now.oid) {
          summary.modified++
          summary.bytes_removed += old.size
          summary.bytes_added += now.size
          yield { kind: 'modified', entry: { path: now.path, size: now.size, old_size: old.size } }
        } else {
          summary.unchanged++
        }
        x = await a.next()
        y = await b.next()
      }
    }
  } finally {
    await a.return(undefined)
    await b.return(undefined)
  }
}

function decodeAfter(token: string | undefined): string | undefined {
  if (!token) return undefined
  try {
    const after = (JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { after?: unknown }).after
    if (typeof after === 'string') return after
  } catch {
    // fall through
  }
  throw new InvalidParameterError(`Invalid page token '${token}'`)
}
