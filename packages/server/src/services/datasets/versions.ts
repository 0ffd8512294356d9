import {
  DATASET_LIMITS,
  InvalidParameterError,
  NotFoundError,
  toInt,
  type DatasetRequestOf,
  type DatasetVersion,
  type Tag,
} from '@railyard/api'
import type { Store } from '../../store/store.js'
import type { DatasetRow } from '../../store/datasets-repo.js'
import type { DatasetVersionRow } from '../../store/dataset-versions-repo.js'
import { decodePageToken, page } from '../page-token.js'
import { pageSize } from '../validation.js'

const FULL_ID = /^sha256:([0-9a-f]{64})$/
const HEX = /^[0-9a-f]+$/

/** Looking up versions by the names the API accepts, and their wire form. */
export class DatasetVersions {
  constructor(private readonly store: Store) {}

  /**
   * The version `ref` names in the dataset: a full id, its 64 hex digits, a unique prefix of at
   * least 8 hex digits, or `latest`. RESOURCE_DOES_NOT_EXIST when there is none.
   */
  async resolve(dataset: DatasetRow, ref: string): Promise<DatasetVersionRow> {
    const versions = this.store.datasets.versions
    if (ref === 'latest') {
      const row = await versions.latest(dataset.dataset_id)
      if (!row) throw new NotFoundError(`Dataset '${dataset.name}' has no versions yet; take a snapshot first`)
      return row
    }
    const hex = (FULL_ID.exec(ref)?.[1] ?? ref).toLowerCase()
    if (!HEX.test(hex) || hex.length < DATASET_LIMITS.versionPrefixMin || hex.length > 64) {
      throw new InvalidParameterError(
        `Invalid version '${ref}': use 'latest', a version id (sha256:…), or at least ${DATASET_LIMITS.versionPrefixMin} of its hex digits`,
      )
    }
    const rows = hex.length === 64 ? [await versions.get(dataset.dataset_id, `sha256:${hex}`)].filter((r) => r !== undefined) : await versions.byPrefix(dataset.dataset_id, hex)
    if (rows.length === 0) throw new NotFoundError(`Dataset '${dataset.name}' has no version '${ref}'`)
    if (rows.length > 1) throw new InvalidParameterError(`Version '${ref}' of dataset '${dataset.name}' is ambiguous; give more digits`)
    return rows[0]!
  }

  async list(dataset: DatasetRow, req: DatasetRequestOf<'listDatasetVersions'>): Promise<{ versions: DatasetVersion[]; next_page_token?: string }> {
    const size = pageSize(toInt(req.max_results), DATASET_LIMITS.listDefault, DATASET_LIMITS.listMax)
    const offset = decodePageToken(req.page_token)
    const rows = await this.store.datasets.versions.list(dataset.dataset_id, offset, size + 1)
    const { items, nextPageToken } = page(rows, offset, size)
    return { versions: items.map((r) => versionToWire(dataset.name, r)), next_page_token: nextPageToken }
  }
}

export function shortId(versionId: string): string {
  return versionId.slice('sha256:'.length, 'sha256:'.length + DATASET_LIMITS.shortIdLength)
}

export function versionToWire(datasetName: string, row: DatasetVersionRow): DatasetVersion {
  const tags = JSON.parse(row.tags) as Tag[]
  return {
    dataset: datasetName,
    id: row.version_id,
    short_id: shortId(row.version_id),
    file_count: row.file_count,
    total_bytes: row.total_bytes,
    manifest_bytes: row.manifest_bytes,
    pinned: row.pinned === 1,
    row_count: row.row_count ?? undefined,
    table_digest: row.table_digest ?? undefined,
    message: row.message ?? undefined,
    tags: tags.length ? tags : undefined,
    creation_timestamp: row.creation_timestamp,
    created_by: row.created_by ?? undefined,
  }
}
