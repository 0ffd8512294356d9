/**
 * Wire shapes of MLflow 3's logged models (service.proto: LoggedModel, LoggedModelInfo,
 * LoggedModelData) and the run links that point at them. Unset fields and empty lists are left
 * out, as MLflow does.
 */

import type { Tag } from './tracking-types.js'

/** LoggedModelStatus, written by name as proto JSON does. */
export type LoggedModelStatus = 'LOGGED_MODEL_PENDING' | 'LOGGED_MODEL_READY' | 'LOGGED_MODEL_UPLOAD_FAILED'

/** The enum numbers MLflow also accepts on the wire (LOGGED_MODEL_STATUS_UNSPECIFIED is 0). */
export const LOGGED_MODEL_STATUSES: readonly LoggedModelStatus[] = [
  'LOGGED_MODEL_PENDING',
  'LOGGED_MODEL_READY',
  'LOGGED_MODEL_UPLOAD_FAILED',
]

export interface LoggedModelInfo {
  /** `m-` followed by 32 hex digits. */
  model_id: string
  experiment_id: string
  name: string
  /** Milliseconds since the epoch. */
  creation_timestamp_ms: number
  last_updated_timestamp_ms: number
  /** Where the model's files go: `<experiment artifact location>/models/<model_id>/artifacts`. */
  artifact_uri: string
  status: LoggedModelStatus
  model_type?: string
  source_run_id?: string
  status_message?: string
  tags?: Tag[]
}

/** A metric point linked to a logged model (a run metric logged with `model_id`). */
export interface LoggedModelMetric {
  key: string
  /** A number, or "NaN" / "Infinity" / "-Infinity". */
  value: number | string
  /** Milliseconds since the epoch. */
  timestamp: number
  step: number
  dataset_name?: string
  dataset_digest?: string
  model_id: string
  run_id: string
}

export interface LoggedModelData {
  params?: Tag[]
  metrics?: LoggedModelMetric[]
}

export interface LoggedModel {
  info: LoggedModelInfo
  data: LoggedModelData
}

/** A logged model a run used (RunInputs.model_inputs). */
export interface ModelInput {
  model_id: string
}

/** A logged model a run produced, at a step (RunOutputs.model_outputs). */
export interface ModelOutput {
  model_id: string
  step: number
}
