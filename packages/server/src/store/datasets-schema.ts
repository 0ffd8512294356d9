import type { Generated, Kysely } from 'kysely'
import type { Database } from './schema.js'

/** Row types of the data versioning tables that migrations/004-datasets.ts creates. */
// A type literal, not an interface: Kysely's withTables() needs an index-compatible record.
export type DatasetTables = {
  datastores: DatastoreTable
  datasets: DatasetTable
  dataset_versions: DatasetVersionTable
  dataset_stat_cache: StatCacheTable
  dataset_freezes: FreezeTable
  dataset_freeze_events: FreezeEventTable
}

/** The metadata database as the dataset repositories see it. */
export type DatasetsDb = Kysely<Database & DatasetTables>

export interface DatastoreTable {
  datastore_id: Generated<number>
  name: string
  kind: string
  /** JSON DatastoreConfig. */
  config: string
  /** JSON StoredCredentials. */
  credentials: string
  description: string | null
  created_by: string | null
  creation_timestamp: number
}

export interface DatasetTable {
  dataset_id: Generated<number>
  name: string
  type: string
  datastore_id: number | null
  path: string
  glob: string | null
  /** JSON string arrays. */
  include: string
  exclude: string
  /** JSON TableSource. */
  table_source: string | null
  description: string | null
  /** JSON [{key, value}]. */
  tags: string
  created_by: string | null
  creation_timestamp: number
}

export interface DatasetVersionTable {
  dataset_id: number
  version_id: string
  file_count: number
  total_bytes: number
  manifest_bytes: number
  index_oid: string
  pinned: number
  row_count: number | null
  table_digest: string | null
  message: string | null
  tags: string
  created_by: string | null
  creation_timestamp: number
  last_taken_timestamp: number
}

export interface StatCacheTable {
  datastore_id: number
  path: string
  size: number
  marker: string
  oid: string
}

export interface FreezeTable {
  experiment_id: number
  dataset_id: number
  version_id: string
  frozen_at: number
  frozen_by: string | null
  run_id: string | null
}

export interface FreezeEventTable {
  id: Generated<number>
  experiment_id: number
  dataset_id: number
  dataset_name: string
  action: string
  from_version: string | null
  to_version: string
  who: string | null
  reason: string | null
  run_id: string | null
  at: number
}
