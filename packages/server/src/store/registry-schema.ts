import type { Generated, Kysely } from 'kysely'
import type { Database } from './schema.js'

/** Row types of the registry tables that migrations/003-registry.ts creates. */
// A type literal, not an interface: Kysely's withTables() needs an index-compatible record.
export type RegistryTables = {
  registered_models: RegisteredModelTable
  registered_model_tags: RegisteredModelTagTable
  model_versions: ModelVersionTable
  model_version_tags: ModelVersionTagTable
  registered_model_aliases: AliasTable
  audit_log: AuditTable
  webhooks: WebhookTable
  webhook_deliveries: WebhookDeliveryTable
}

/** MLflow's marker for a deleted version: the row stays so its number is never reused. */
export const DELETED_STAGE = 'Deleted_Internal'

/** The metadata database as the registry repositories see it. */
export type RegistryDb = Kysely<Database & RegistryTables>

export interface RegisteredModelTable {
  model_id: Generated<number>
  name: string
  description: string | null
  creation_timestamp: number
  last_updated_timestamp: number
}

export interface RegisteredModelTagTable {
  model_id: number
  key: string
  value: string
}

export interface ModelVersionTable {
  model_id: number
  version: number
  source: string
  run_id: string | null
  run_link: string | null
  description: string | null
  user_id: string | null
  status: string
  status_message: string | null
  current_stage: string
  /** Tree id of the immutable copy of the version's files. */
  storage_location: string | null
  creation_timestamp: number
  last_updated_timestamp: number
  /** JSON of a LineageSnapshot. */
  lineage: string | null
  /** MLflow 3: the logged model the version was registered from (`ModelVersion.model_id`). */
  logged_model_id: string | null
}

export interface ModelVersionTagTable {
  model_id: number
  version: number
  key: string
  value: string
}

export interface AliasTable {
  model_id: number
  alias: string
  version: number
}

export interface AuditTable {
  id: Generated<number>
  model_id: number
  model_name: string
  version: number | null
  action: string
  subject: string | null
  from_value: string | null
  to_value: string | null
  who: string
  reason: string | null
  at: number
}

export interface WebhookTable {
  id: string
  url: string
  /** JSON array of event names. */
  events: string
  secret: string
  description: string | null
  active: number
  creation_timestamp: number
  last_updated_timestamp: number
}

export interface WebhookDeliveryTable {
  id: string
  webhook_id: string
  event: string
  payload: string
  status: string
  attempts: number
  next_attempt_at: number | null
  claimed_until: number | null
  last_status_code: number | null
  last_error: string | null
  created_at: number
  delivered_at: number | null
}
