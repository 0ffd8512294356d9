import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/** Row types of the tables that migrations/006-logged-models.ts creates. */
// A type literal, not an interface: Kysely's withTables() needs an index-compatible record.
export type LoggedModelTables = {
  logged_models: LoggedModelTable
  logged_model_tags: LoggedModelKeyValueTable
  logged_model_params: LoggedModelKeyValueTable
  logged_model_metrics: LoggedModelMetricTable
  run_model_links: RunModelLinkTable
}

/** The metadata database as the logged-models repository sees it. */
export type LoggedModelsDb = Kysely<Database & LoggedModelTables>

export interface LoggedModelTable {
  model_id: string
  experiment_id: number
  name: string
  artifact_location: string
  creation_timestamp_ms: number
  last_updated_timestamp_ms: number
  status: string
  status_message: string | null
  lifecycle_stage: string
  model_type: string | null
  source_run_id: string | null
}

export interface LoggedModelKeyValueTable {
  model_id: string
  key: string
  value: string
}

export interface LoggedModelMetricTable {
  model_id: string
  key: string
  value: number
  is_nan: number
  timestamp: number
  step: number
  run_uuid: string
  experiment_id: number
  /** '' when the point names no dataset. */
  dataset_name: string
  dataset_digest: string
}

export interface RunModelLinkTable {
  run_uuid: string
  /** `input` or `output`. */
  direction: string
  model_id: string
  step: number
}
