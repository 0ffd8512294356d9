import type { Generated, Kysely } from 'kysely'
import type { Database } from './schema.js'
import type { RegistryTables } from './registry-schema.js'

/** Row types of the tables that migrations/005-gates.ts creates. */
// A type literal, not an interface: Kysely's withTables() needs an index-compatible record.
export type GateTables = {
  gate_results: GateResultTable
  deployment_moves: DeploymentMoveTable
}

/** The metadata database as the gate and deployment repository sees it (it reads the audit log). */
export type GatesDb = Kysely<Database & RegistryTables & GateTables>

export interface GateResultTable {
  id: Generated<number>
  model_id: number
  version: number
  against_alias: string
  champion_version: number | null
  verdict: string
  summary: string | null
  /** JSON. */
  report: string | null
  markdown: string | null
  who: string
  created_at: number
}

export interface DeploymentMoveTable {
  /** The registry audit entry of the move. */
  audit_id: number
  model_id: number
  alias: string
  /** `deploy`, `forced` or `rollback`. */
  kind: string
  /** The passing gate result a `deploy` relied on. */
  gate_id: number | null
}
