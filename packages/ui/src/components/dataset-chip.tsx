import type { InputLink } from '../lib/run-columns.js'
import { path } from '../lib/router.js'
import { shortId } from '../lib/format.js'
import { Link } from './link.js'

/** `name @ version`: Railyard datasets link to the exact version; others show their digest. */
export function DatasetChip({ input }: { input: InputLink }) {
  const label = (
    <>
      {input.name} <span className="mono">@{shortId(input.versionId ?? input.digest, 8)}</span>
    </>
  )
  const title = `${input.name} version ${input.versionId ?? input.digest}${input.context ? ` (${input.context})` : ''}`
  if (input.dataset && input.versionId) {
    return (
      <Link className="chip chip-link" href={path('datasets', input.dataset, 'versions', input.versionId)} title={title}>
        {label}
      </Link>
    )
  }
  return (
    <span className="chip" title={`${title}\n${input.sourceType}: ${input.source}`}>
      {label}
    </span>
  )
}
