import type { DatasetVersion } from '@railyard/sdk'
import { formatTime, printSection } from '../output.js'
import { formatBytes, formatCount } from './format.js'

/** Key/value lines about one version. */
export function printVersion(title: string, v: DatasetVersion): void {
  const pairs: Array<[string, string]> = [
    ['id', v.id],
    ['files', formatCount(v.file_count)],
    ['size', formatBytes(v.total_bytes)],
    ['pinned', v.pinned ? 'yes (contents kept by Railyard)' : 'no (read from the datastore, verified)'],
    ['taken', `${formatTime(v.creation_timestamp)}${v.created_by ? ` by ${v.created_by}` : ''}`],
  ]
  if (v.row_count !== undefined) pairs.push(['rows', formatCount(v.row_count)])
  if (v.message) pairs.push(['message', v.message])
  for (const t of v.tags ?? []) pairs.push([`tag ${t.key}`, t.value])
  printSection(title, pairs)
}
