import type { Transaction } from 'kysely'
import type { AuditAction, AuditEntry } from '@railyard/api'
import type { Database } from './schema.js'
import type { RegistryDb, RegistryTables } from './registry-schema.js'

/** Who made a change and why; every audited write takes one. */
export interface Actor {
  who: string
  reason?: string
}

/** One change to append; `at` comes from the transaction that makes the change. */
export interface AuditRecord {
  modelId: number
  modelName: string
  version?: number
  action: AuditAction
  subject?: string
  from?: string | null
  to?: string | null
}

export type RegistryTx = Transaction<Database & RegistryTables>

/**
 * The append-only audit log. Rows are only ever inserted, inside the transaction of the change they
 * describe, so the log and the registry never disagree; nothing updates or deletes them.
 */
export class RegistryAuditRepo {
  constructor(private readonly db: RegistryDb) {}

  async appendIn(tx: RegistryTx, actor: Actor, at: number, records: AuditRecord[]): Promise<void> {
    if (records.length === 0) return
    await tx
      .insertInto('audit_log')
      .values(
        records.map((r) => ({
          model_id: r.modelId,
          model_name: r.modelName,
          version: r.version ?? null,
          action: r.action,
          subject: r.subject ?? null,
          from_value: r.from ?? null,
          to_value: r.to ?? null,
          who: actor.who,
          reason: actor.reason ?? null,
          at,
        })),
      )
      .execute()
  }

  /**
   * A model's entries, oldest first: by its id while it exists (so renames keep its history), or
   * by name once it was deleted.
   */
  async list(where: { modelId: number } | { modelName: string }, offset: number, limit: number): Promise<AuditEntry[]> {
    let q = this.db.selectFrom('audit_log').selectAll()
    q = 'modelId' in where ? q.where('model_id', '=', where.modelId) : q.where('model_name', '=', where.modelName)
    const rows = await q.orderBy('id').offset(offset).limit(limit).execute()
    return rows.map((r) => ({
      id: String(r.id),
      name: r.model_name,
      version: r.version === null ? undefined : String(r.version),
      action: r.action as AuditAction,
      subject: r.subject ?? undefined,
      from: r.from_value ?? undefined,
      to: r.to_value ?? undefined,
      who: r.who,
      reason: r.reason ?? undefined,
      timestamp: Number(r.at),
    }))
  }
}
