/**
 * Wire shapes of MLflow's tracking entities (service.proto), as Railyard returns them.
 * Unset fields and empty lists are left out, as MLflow does.
 */

import type { ModelInput, ModelOutput } from './logged-model-types.js'

export type LifecycleStage = 'active' | 'deleted'
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED'
export const RUN_STATUSES: readonly RunStatus[] = [
  'RUNNING',
  'SCHEDULED',
  'FINISHED',
  'FAILED',
  'KILLED',
]
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL'
export const VIEW_TYPES: readonly ViewType[] = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL']

export interface Tag {
  key: string
  value: string
}

export interface Experiment {
  experiment_id: string
  name: string
  artifact_location: string
  lifecycle_stage: LifecycleStage
  /** Milliseconds since the epoch. */
  creation_time: number
  last_update_time: number
  tags?: Tag[]
}

export interface Metric {
  key: string
  /** A number, or "NaN" / "Infinity" / "-Infinity". */
  value: number | string
  /** Milliseconds since the epoch. */
  timestamp: number
  step: number
}

export interface MetricWithRunId extends Metric {
  run_id: string
}

export interface Param {
  key: string
  value: string
}

export interface RunInfo {
  run_id: string
  /** Deprecated duplicate of run_id that MLflow still emits. */
  run_uuid: string
  run_name?: string
  experiment_id: string
  user_id?: string
  status: RunStatus
  start_time: number
  end_time?: number
  artifact_uri: string
  lifecycle_stage: LifecycleStage
}

export interface RunData {
  metrics?: Metric[]
  params?: Param[]
  tags?: Tag[]
}

export interface Dataset {
  name: string
  digest: string
  source_type: string
  source: string
  schema?: string
  profile?: string
}

export interface DatasetInput {
  tags?: Tag[]
  dataset: Dataset
}

export interface RunInputs {
  dataset_inputs?: DatasetInput[]
  /** MLflow 3: logged models the run used. */
  model_inputs?: ModelInput[]
}

/** MLflow 3: what a run produced. */
export interface RunOutputs {
  model_outputs?: ModelOutput[]
}

export interface Run {
  info: RunInfo
  data: RunData
  inputs: RunInputs
  outputs?: RunOutputs
}

export interface RunLogLine {
  /** Position in the run's output log, from 1. */
  seq: number
  stream: 'stdout' | 'stderr'
  /** Milliseconds since the epoch. */
  timestamp: number
  line: string
}
