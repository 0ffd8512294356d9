/**
 * Wire shapes of MLflow's model registry (model_registry.proto) and of Railyard's registry extras
 * (lineage, compare, audit, version files, webhooks). Unset fields and empty lists are left out.
 */
import type { DatasetInput, Metric, Param, Tag } from './tracking-types.js'

export type ModelVersionStatus = 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY'

/** MLflow's legacy stages, in the canonical spelling; requests may use any case. */
export type ModelStage = 'None' | 'Staging' | 'Production' | 'Archived'
export const MODEL_STAGES: readonly ModelStage[] = ['None', 'Staging', 'Production', 'Archived']

export interface RegisteredModelAlias {
  alias: string
  /** The version number, as a string. */
  version: string
}

export interface ModelVersion {
  name: string
  /** The version number, as a string ("1", "2", …). */
  version: string
  /** Milliseconds since the epoch. */
  creation_timestamp: number
  last_updated_timestamp: number
  /** Who registered it. */
  user_id?: string
  current_stage: ModelStage
  description?: string
  /** Where the files came from, as given at registration (`runs:/…`, `mlflow-artifacts:/…`, `models:/…`). */
  source: string
  run_id?: string
  status: ModelVersionStatus
  /** Why registration failed, when it did. */
  status_message?: string
  tags?: Tag[]
  run_link?: string
  aliases?: string[]
  /** MLflow 3: the logged model this version was registered from. */
  model_id?: string
}

export interface RegisteredModel {
  name: string
  creation_timestamp: number
  last_updated_timestamp: number
  description?: string
  /** The newest version in each stage. */
  latest_versions?: ModelVersion[]
  tags?: Tag[]
  aliases?: RegisteredModelAlias[]
}

// ---- Railyard extras ----

/** One file of a version's immutable copy. */
export interface ModelFile {
  /** Path relative to the model directory. */
  path: string
  /** Content id, `sha256:…`. */
  oid: string
  /** Bytes. */
  size: number
}

/** The content-addressed copy of a version's files. */
export interface ModelVersionFiles {
  /** Id of the tree (manifest) listing the files; names the exact content. */
  tree_oid: string
  files?: ModelFile[]
}

/** The source code of a run, from the mlflow.source.* tags `railyard run` and MLflow clients set. */
export interface CodeVersion {
  /** mlflow.source.git.commit */
  commit?: string
  /** mlflow.source.git.repoURL */
  repo_url?: string
  /** mlflow.source.git.branch */
  branch?: string
  /** mlflow.source.name: the entry point or script. */
  source_name?: string
  /** mlflow.source.type: LOCAL, PROJECT, JOB, … */
  source_type?: string
}

/**
 * Where a version came from, captured when it was registered so later changes to (or deletion of)
 * the run do not rewrite history.
 */
export interface LineageSnapshot {
  /** When the snapshot was taken, milliseconds since the epoch. */
  captured_at: number
  run?: {
    run_id: string
    run_name?: string
    experiment_id: string
    experiment_name?: string
    status?: string
    user_id?: string
    start_time?: number
    end_time?: number
    artifact_uri?: string
  }
  code?: CodeVersion
  params?: Param[]
  /** The run's latest value of each metric at registration. */
  metrics?: Metric[]
  /** The dataset versions the run used; `dataset.source` locates the data. */
  dataset_inputs?: DatasetInput[]
  /** Set when the version was registered from another version (`models:/…`). */
  copied_from?: { name: string; version: string }
}

/** The chain version → run → experiment → code commit → params/metrics → dataset versions. */
export interface ModelVersionLineage extends LineageSnapshot {
  model_version: ModelVersion
  /** The content-addressed copy of the files. */
  tree_oid?: string
  /** Flavors its MLmodel declares (`railyard_js`, or `python_function`, `sklearn`… from MLflow clients). */
  flavors?: string[]
  /** Whether the source run still exists, and its lifecycle stage, status and end today (`run` is as it was at registration). */
  run_now?: { exists: boolean; lifecycle_stage?: string; status?: string; end_time?: number }
}

export interface MetricComparison {
  key: string
  /** Value in version_a (numbers, or "NaN"/"Infinity"/"-Infinity"); absent when only b has it. */
  a?: number | string
  b?: number | string
  /** b − a when both are finite numbers. */
  delta?: number
}

export interface ParamComparison {
  key: string
  a?: string
  b?: string
}

export interface DatasetRef {
  name: string
  digest: string
  source?: string
}

/** How the files of two versions of one dataset differ: counts, and bytes added and removed. */
export interface DatasetFilesChange {
  added: number
  removed: number
  modified: number
  unchanged: number
  bytes_added: number
  bytes_removed: number
}

/** Differences between two versions of one model (a is the base, b the candidate). */
export interface ModelVersionComparison {
  version_a: ModelVersion
  version_b: ModelVersion
  /** Every metric of either version, side by side. */
  metrics?: MetricComparison[]
  params?: {
    /** In both with different values. */
    changed?: ParamComparison[]
    /** Only in b. */
    added?: ParamComparison[]
    /** Only in a. */
    removed?: ParamComparison[]
    unchanged: number
  }
  datasets?: {
    added?: DatasetRef[]
    removed?: DatasetRef[]
    /**
     * Same dataset name, another digest: a different version of the data. `files` summarizes the
     * file differences when both are Railyard dataset versions the server still knows.
     */
    changed?: Array<{ name: string; a: DatasetRef; b: DatasetRef; files?: DatasetFilesChange }>
    unchanged: number
  }
  code: { a?: string; b?: string; same: boolean }
  files?: {
    added?: ModelFile[]
    removed?: ModelFile[]
    changed?: Array<{ path: string; a: ModelFile; b: ModelFile }>
    unchanged: number
  }
}

/** What an audit entry records. */
export type AuditAction =
  | 'model_version.created'
  | 'model_version.deleted'
  | 'model_version.description'
  | 'model_version.stage'
  | 'alias.set'
  | 'alias.deleted'
  | 'registered_model.description'
  | 'registered_model.renamed'
  | 'registered_model.deleted'

/** One append-only audit record. */
export interface AuditEntry {
  /** Increasing id; later entries have larger ids. */
  id: string
  /** The model's name when the change was made. */
  name: string
  version?: string
  action: AuditAction
  /** The alias for alias actions. */
  subject?: string
  /** Before and after: a version for aliases, a stage, a description, a name. */
  from?: string
  to?: string
  /** The authenticated identity, the X-Railyard-User header, or the server's OS user. */
  who: string
  reason?: string
  /** Milliseconds since the epoch. */
  timestamp: number
}

export type WebhookEvent = 'model_version.created' | 'alias.set' | 'alias.deleted' | 'gate.recorded'
export const WEBHOOK_EVENTS: readonly WebhookEvent[] = ['model_version.created', 'alias.set', 'alias.deleted', 'gate.recorded']

/** A registered receiver. Its secret is never returned after creation. */
export interface Webhook {
  id: string
  url: string
  events: WebhookEvent[]
  description?: string
  active: boolean
  creation_timestamp: number
  last_updated_timestamp: number
}

export type WebhookDeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED'

/**
 * One event sent to one webhook. The POST body is `payload`, signed with HMAC-SHA256 under the
 * webhook's secret in `X-Railyard-Signature: sha256=<hex>`; failed attempts are retried with
 * exponential backoff until `FAILED`.
 */
export interface WebhookDelivery {
  id: string
  webhook_id: string
  event: WebhookEvent
  status: WebhookDeliveryStatus
  attempts: number
  /** The exact JSON body sent on every attempt. */
  payload: string
  created_at: number
  next_attempt_at?: number
  delivered_at?: number
  /** HTTP status of the last attempt. */
  last_status_code?: number
  /** Network error or response excerpt of the last failed attempt. */
  last_error?: string
}

/** The body of every delivery. */
export interface WebhookPayload<T = unknown> {
  /** The delivery id, also in the X-Railyard-Delivery header; receivers dedupe on it. */
  id: string
  event: WebhookEvent
  /** When the event happened, milliseconds since the epoch. */
  timestamp: number
  data: T
}
