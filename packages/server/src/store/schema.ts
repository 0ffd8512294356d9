import type { Generated } from 'kysely'

/** Row types of the metadata database; the migrations in migrations/ create exactly these. */
export interface Database {
  experiments: ExperimentTable
  experiment_tags: ExperimentTagTable
  runs: RunTable
  params: KeyValueTable
  tags: KeyValueTable
  metrics: MetricTable
  latest_metrics: MetricTable
  run_inputs: RunInputTable
  run_logs: RunLogTable
}

export interface ExperimentTable {
  experiment_id: Generated<number>
  name: string
  artifact_location: string
  lifecycle_stage: string
  creation_time: number
  last_update_time: number
}

export interface ExperimentTagTable {
  experiment_id: number
  key: string
  value: string
}

export interface RunTable {
  run_uuid: string
  name: string
  experiment_id: number
  user_id: string
  status: string
  start_time: number
  end_time: number | null
  lifecycle_stage: string
  artifact_uri: string
  deleted_time: number | null
}

export interface KeyValueTable {
  run_uuid: string
  key: string
  value: string
}

/** NaN is stored as value 0 with is_nan 1 (as MLflow does), so it can be deduplicated and indexed. */
export interface MetricTable {
  run_uuid: string
  key: string
  value: number
  timestamp: number
  step: number
  is_nan: number
}

export interface RunInputTable {
  run_uuid: string
  name: string
  digest: string
  source_type: string
  source: string
  schema: string | null
  profile: string | null
  /** JSON array of {key, value}. */
  tags: string
}

export interface RunLogTable {
  run_uuid: string
  seq: number
  stream: string
  timestamp: number
  line: string
}
