import type { Kysely, Selectable } from 'kysely'
import type { DialectCaps } from './dialects.js'
import type { Database } from './schema.js'
import type { RegistryTables } from './registry-schema.js'
import type { DeploymentMoveTable, GateResultTable, GateTables, GatesDb } from './gates-schema.js'

export type GateResultRow = Selectable<GateResultTable>
export type GateSummaryRow = Omit<GateResultRow, 'report' | 'markdown'>
export type DeploymentMoveRow = Selectable<DeploymentMoveTable>

/** An alias change as the registry's audit log recorded it. */
export interface AliasAuditRow {
  id: number
  alias: string
  action: 'alias.set' | 'alias.deleted'
  from: number | undefined
  to: number | undefined
  who: string
  reason: string | undefined
  at: number
}

const SUMMARY_COLUMNS = ['id', 'model_id', 'version', 'against_alias', 'champion_version', 'verdict', 'summary', 'who', 'created_at'] as const

/**
 * SQL for gate results and deployment moves. The alias history itself is the registry's audit log,
 * which this repository only reads; rules live in services/gates.ts and services/deployments.ts.
 */
export class GatesRepo {
  private readonly db: GatesDb

  constructor(db: Kysely<Database>, _caps: DialectCaps) {
    this.db = db.withTables<RegistryTables & GateTables>()
  }

  async insertResult(row: Omit<GateResultRow, 'id'>): Promise<number> {
    const { id } = await this.db.insertInto('gate_results').values(row).returning('id').executeTakeFirstOrThrow()
    return Number(id)
  }

  async getResult(id: number): Promise<GateResultRow | undefined> {
    return this.db.selectFrom('gate_results').selectAll().where('id', '=', id).executeTakeFirst()
  }

  /** A model's results, newest first, optionally for one version and one alias. */
  async listResults(q: { modelId: number; version?: number; alias?: string; offset: number; limit: number }): Promise<GateSummaryRow[]> {
    let query = this.db.selectFrom('gate_results').select(SUMMARY_COLUMNS).where('model_id', '=', q.modelId)
    if (q.version !== undefined) query = query.where('version', '=', q.version)
    if (q.alias !== undefined) query = query.where('against_alias', '=', q.alias)
    return query.orderBy('id', 'desc').offset(q.offset).limit(q.limit).execute()
  }

  /** The newest result for the version against the alias. */
  async latestResult(modelId: number, version: number, alias: string): Promise<GateSummaryRow | undefined> {
    return this.db
      .selectFrom('gate_results')
      .select(SUMMARY_COLUMNS)
      .where('model_id', '=', modelId)
      .where('version', '=', version)
      .where('against_alias', '=', alias)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst()
  }

  /** Every result of the model against the alias (or any alias), oldest first, without reports. */
  async resultsFor(modelId: number, alias?: string): Promise<GateSummaryRow[]> {
    let query = this.db.selectFrom('gate_results').select(SUMMARY_COLUMNS).where('model_id', '=', modelId)
    if (alias !== undefined) query = query.where('against_alias', '=', alias)
    return query.orderBy('id').execute()
  }

  /** The alias changes of a model (of one alias, or all) after audit entry `afterId`, oldest first. */
  async aliasHistory(modelId: number, alias?: string, afterId = 0): Promise<AliasAuditRow[]> {
    let query = this.db
      .selectFrom('audit_log')
      .select(['id', 'subject', 'action', 'from_value', 'to_value', 'who', 'reason', 'at'])
      .where('model_id', '=', modelId)
      .where('action', 'in', ['alias.set', 'alias.deleted'])
    if (alias !== undefined) query = query.where('subject', '=', alias)
    if (afterId > 0) query = query.where('id', '>', afterId)
    const rows = await query.orderBy('id').execute()
    return rows.map((r) => ({
      id: Number(r.id),
      alias: r.subject ?? '',
      action: r.action as AliasAuditRow['action'],
      from: r.from_value === null ? undefined : Number(r.from_value),
      to: r.to_value === null ? undefined : Number(r.to_value),
      who: r.who,
      reason: r.reason ?? undefined,
      at: Number(r.at),
    }))
  }

  /** The id of the newest audit entry of the model (0 when it has none). */
  async lastAuditId(modelId: number): Promise<number> {
    const row = await this.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.max('id').as('id'))
      .where('model_id', '=', modelId)
      .executeTakeFirst()
    return row?.id === null || row?.id === undefined ? 0 : Number(row.id)
  }

  /** The first entry after `afterId` that set the alias to `version` for `who`: the move just made. */
  async findAliasSet(modelId: number, afterId: number, alias: string, version: number, who: string): Promise<AliasAuditRow | undefined> {
    const rows = await this.aliasHistory(modelId, alias, afterId)
    return rows.find((r) => r.action === 'alias.set' && r.to === version && r.who === who)
  }

  async insertMove(row: DeploymentMoveRow): Promise<void> {
    await this.db.insertInto('deployment_moves').values(row).execute()
  }

  /** The moves deploy and rollback made on the model (one alias, or all), by audit entry id. */
  async movesFor(modelId: number, alias?: string): Promise<Map<number, DeploymentMoveRow>> {
    let query = this.db.selectFrom('deployment_moves').selectAll().where('model_id', '=', modelId)
    if (alias !== undefined) query = query.where('alias', '=', alias)
    const rows = await query.execute()
    return new Map(rows.map((r) => [Number(r.audit_id), { ...r, audit_id: Number(r.audit_id), gate_id: r.gate_id === null ? null : Number(r.gate_id) }]))
  }
}
