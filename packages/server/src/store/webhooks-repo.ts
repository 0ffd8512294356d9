import type { Selectable } from 'kysely'
import type { Webhook, WebhookDelivery, WebhookDeliveryStatus, WebhookEvent } from '@railyard/api'
import type { RegistryDb, WebhookDeliveryTable, WebhookTable } from './registry-schema.js'

export type WebhookRow = Selectable<WebhookTable>
export type DeliveryRow = Selectable<WebhookDeliveryTable>

export interface WebhookPatch {
  url?: string
  events?: WebhookEvent[]
  secret?: string
  description?: string
  active?: boolean
}

/** SQL for webhooks and their deliveries (an outbox the sender in services/webhooks.ts drains). */
export class WebhooksRepo {
  constructor(private readonly db: RegistryDb) {}

  async create(row: WebhookRow): Promise<void> {
    await this.db.insertInto('webhooks').values(row).execute()
  }

  async get(id: string): Promise<WebhookRow | undefined> {
    return this.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst()
  }

  async list(): Promise<WebhookRow[]> {
    return this.db.selectFrom('webhooks').selectAll().orderBy('creation_timestamp').orderBy('id').execute()
  }

  async update(id: string, patch: WebhookPatch, now: number): Promise<void> {
    await this.db
      .updateTable('webhooks')
      .set({
        ...(patch.url !== undefined ? { url: patch.url } : {}),
        ...(patch.events !== undefined ? { events: JSON.stringify(patch.events) } : {}),
        ...(patch.secret !== undefined ? { secret: patch.secret } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.active !== undefined ? { active: patch.active ? 1 : 0 } : {}),
        last_updated_timestamp: now,
      })
      .where('id', '=', id)
      .execute()
  }

  /** Swaps the stored secret for another form of it, unless it changed meanwhile. */
  async replaceSecret(id: string, from: string, to: string): Promise<void> {
    await this.db.updateTable('webhooks').set({ secret: to }).where('id', '=', id).where('secret', '=', from).execute()
  }

  /** Deletes the webhook and its delivery history. */
  async delete(id: string): Promise<number> {
    const res = await this.db.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst()
    return Number(res.numDeletedRows)
  }

  /** Active webhooks subscribed to `event`. */
  async subscribers(event: WebhookEvent): Promise<WebhookRow[]> {
    const rows = await this.db.selectFrom('webhooks').selectAll().where('active', '=', 1).execute()
    return rows.filter((r) => (JSON.parse(r.events) as string[]).includes(event))
  }

  async enqueue(rows: DeliveryRow[]): Promise<void> {
    if (rows.length > 0) await this.db.insertInto('webhook_deliveries').values(rows).execute()
  }

  /**
   * Takes up to `limit` pending deliveries that are due and not held by another sender, holding
   * each until `holdUntil`. A delivery is claimed by one sender only: the conditional update is
   * the lock, so several server processes can share the outbox.
   */
  async claimDue(now: number, holdUntil: number, limit: number): Promise<Array<DeliveryRow & { url: string; secret: string }>> {
    const candidates = await this.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('status', '=', 'PENDING')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .orderBy('next_attempt_at')
      .limit(limit)
      .execute()
    const claimed: string[] = []
    for (const { id } of candidates) {
      const res = await this.db
        .updateTable('webhook_deliveries')
        .set({ claimed_until: holdUntil })
        .where('id', '=', id)
        .where('status', '=', 'PENDING')
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
        .executeTakeFirst()
      if (Number(res.numUpdatedRows) > 0) claimed.push(id)
    }
    if (claimed.length === 0) return []
    return this.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
      .selectAll('d')
      .select(['w.url', 'w.secret'])
      .where('d.id', 'in', claimed)
      .execute()
  }

  /** Records one attempt's outcome and releases the delivery. */
  async recordAttempt(
    id: string,
    outcome: {
      status: WebhookDeliveryStatus
      attempts: number
      nextAttemptAt: number | null
      statusCode: number | null
      error: string | null
      deliveredAt: number | null
    },
  ): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set({
        status: outcome.status,
        attempts: outcome.attempts,
        next_attempt_at: outcome.nextAttemptAt,
        last_status_code: outcome.statusCode,
        last_error: outcome.error,
        delivered_at: outcome.deliveredAt,
        claimed_until: null,
      })
      .where('id', '=', id)
      .execute()
  }

  /** The earliest time a pending delivery is due, if any is pending. */
  async nextDue(): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('webhook_deliveries')
      .select((eb) => eb.fn.min('next_attempt_at').as('next'))
      .where('status', '=', 'PENDING')
      .executeTakeFirst()
    return row?.next === null || row?.next === undefined ? undefined : Number(row.next)
  }

  /** Delivery history, newest first. */
  async deliveries(q: { webhookId?: string; status?: WebhookDeliveryStatus; offset: number; limit: number }): Promise<DeliveryRow[]> {
    let query = this.db.selectFrom('webhook_deliveries').selectAll()
    if (q.webhookId !== undefined) query = query.where('webhook_id', '=', q.webhookId)
    if (q.status !== undefined) query = query.where('status', '=', q.status)
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').offset(q.offset).limit(q.limit).execute()
  }
}

export function webhookFromRow(r: WebhookRow): Webhook {
  return {
    id: r.id,
    url: r.url,
    events: JSON.parse(r.events) as WebhookEvent[],
    description: r.description ?? undefined,
    active: Number(r.active) === 1,
    creation_timestamp: Number(r.creation_timestamp),
    last_updated_timestamp: Number(r.last_updated_timestamp),
  }
}

export function deliveryFromRow(r: DeliveryRow): WebhookDelivery {
  return {
    id: r.id,
    webhook_id: r.webhook_id,
    event: r.event as WebhookEvent,
    status: r.status as WebhookDeliveryStatus,
    attempts: Number(r.attempts),
    payload: r.payload,
    created_at: Number(r.created_at),
    next_attempt_at: r.next_attempt_at === null ? undefined : Number(r.next_attempt_at),
    delivered_at: r.delivered_at === null ? undefined : Number(r.delivered_at),
    last_status_code: r.last_status_code === null ? undefined : Number(r.last_status_code),
    last_error: r.last_error ?? undefined,
  }
}
