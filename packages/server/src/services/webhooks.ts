import { randomBytes, randomUUID } from 'node:crypto'
import {
  InvalidParameterError,
  NotFoundError,
  WEBHOOK_EVENTS,
  toInt,
  type RailyardRegistryRequestOf,
  type Webhook,
  type WebhookDelivery,
  type WebhookDeliveryStatus,
  type WebhookEvent,
} from '@railyard/api'
import type { Store } from '../store/store.js'
import { deliveryFromRow, webhookFromRow, type DeliveryRow } from '../store/webhooks-repo.js'
import { decodePageToken, page } from './page-token.js'
import { pageSize } from './validation.js'
import { WebhookSender, type RetryPolicy } from './webhook-sender.js'
import { WebhookSecrets } from './webhook-secrets.js'

/** Where services announce events; delivery happens later, in the background. */
export interface WebhookEmitter {
  /** Queues `event` for every active webhook subscribed to it. Never throws, never waits for delivery. */
  emit(event: WebhookEvent, data: unknown): void
}

const STATUSES: readonly WebhookDeliveryStatus[] = ['PENDING', 'DELIVERED', 'FAILED']

/**
 * Webhooks: admins register URLs for events; every event becomes one delivery per subscribed
 * webhook, stored first (an outbox, so a restart loses nothing) and then POSTed by the sender
 * (webhook-sender.ts) with an HMAC-SHA256 signature and retries with exponential backoff.
 */
export class WebhooksService implements WebhookEmitter {
  private readonly sender: WebhookSender
  private readonly queued = new Set<Promise<void>>()
  private readonly onError: (err: unknown) => void
  private readonly now: () => number
  private readonly secrets: WebhookSecrets

  constructor(
    private readonly store: Store,
    opts: {
      retry?: Partial<RetryPolicy>
      onError?: (err: unknown) => void
      now?: () => number
      /** Key that encrypts signing secrets at rest. Default: RAILYARD_SECRET_KEY. */
      secretKey?: string
    } = {},
  ) {
    this.now = opts.now ?? Date.now
    this.onError = opts.onError ?? ((err) => console.error('webhooks:', err))
    this.secrets = new WebhookSecrets(opts.secretKey ?? process.env.RAILYARD_SECRET_KEY)
    this.sender = new WebhookSender(store.registry.webhooks, {
      retry: opts.retry,
      onError: this.onError,
      now: this.now,
      openSecret: (stored) => this.secrets.open(stored),
    })
  }

  /** Resumes deliveries left pending by an earlier run of the server, and seals plaintext secrets once a key is set. */
  start(): void {
    if (this.secrets.encrypting) void this.sealPlainSecrets().catch(this.onError)
    this.sender.wake()
  }

  private async sealPlainSecrets(): Promise<void> {
    for (const row of await this.store.registry.webhooks.list()) {
      const sealed = this.secrets.sealIfPlain(row.secret)
      if (sealed !== undefined) await this.store.registry.webhooks.replaceSecret(row.id, row.secret, sealed)
    }
  }

  /** Stops sending after the attempts under way; pending deliveries stay in the outbox. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.queued])
    await this.sender.close()
  }

  /** Changes the retry timing (tests use short delays). */
  setRetryPolicy(retry: Partial<RetryPolicy>): void {
    this.sender.setRetryPolicy(retry)
  }

  emit(event: WebhookEvent, data: unknown): void {
    const work = this.enqueue(event, data).catch(this.onError)
    this.queued.add(work)
    void work.finally(() => this.queued.delete(work))
  }

  private async enqueue(event: WebhookEvent, data: unknown): Promise<void> {
    const hooks = await this.store.registry.webhooks.subscribers(event)
    if (hooks.length === 0) return
    const now = this.now()
    const rows: DeliveryRow[] = hooks.map((h) => {
      const id = randomUUID().replace(/-/g, '')
      return {
        id,
        webhook_id: h.id,
        event,
        payload: JSON.stringify({ id, event, timestamp: now, data }),
        status: 'PENDING',
        attempts: 0,
        next_attempt_at: now,
        claimed_until: null,
        last_status_code: null,
        last_error: null,
        created_at: now,
        delivered_at: null,
      }
    })
    await this.store.registry.webhooks.enqueue(rows)
    this.sender.wake()
  }

  /** Registers a webhook. Without a secret one is generated; it is returned here and never again. */
  async create(req: RailyardRegistryRequestOf<'createWebhook'>): Promise<{ webhook: Webhook; secret?: string }> {
    const url = validateUrl(req.url)
    const events = validateEvents(req.events)
    const generated = req.secret === undefined ? randomBytes(32).toString('hex') : undefined
    const secret = req.secret ?? generated!
    validateSecret(secret)
    const now = this.now()
    const id = randomUUID().replace(/-/g, '')
    await this.store.registry.webhooks.create({
      id,
      url,
      events: JSON.stringify(events),
      secret: this.secrets.seal(secret),
      description: req.description ?? null,
      active: req.active === false ? 0 : 1,
      creation_timestamp: now,
      last_updated_timestamp: now,
    })
    return { webhook: await this.get(id), secret: generated }
  }

  async get(id: string): Promise<Webhook> {
    const row = await this.store.registry.webhooks.get(id)
    if (!row) throw new NotFoundError(`Webhook with id=${id} not found`)
    return webhookFromRow(row)
  }

  async list(): Promise<{ webhooks: Webhook[] }> {
    return { webhooks: (await this.store.registry.webhooks.list()).map(webhookFromRow) }
  }

  async update(req: RailyardRegistryRequestOf<'updateWebhook'>): Promise<{ webhook: Webhook }> {
    await this.get(req.id)
    const patch = {
      url: req.url === undefined ? undefined : validateUrl(req.url),
      events: req.events === undefined ? undefined : validateEvents(req.events),
      secret: req.secret,
      description: req.description,
      active: req.active,
    }
    if (patch.secret !== undefined) validateSecret(patch.secret)
    await this.store.registry.webhooks.update(req.id, { ...patch, secret: patch.secret === undefined ? undefined : this.secrets.seal(patch.secret) }, this.now())
    return { webhook: await this.get(req.id) }
  }

  /** Deletes the webhook and its delivery history; pending deliveries are dropped. */
  async delete(id: string): Promise<void> {
    if ((await this.store.registry.webhooks.delete(id)) === 0) throw new NotFoundError(`Webhook with id=${id} not found`)
  }

  /** Delivery history, newest first, optionally for one webhook and one status. */
  async deliveries(
    req: RailyardRegistryRequestOf<'listWebhookDeliveries'>,
  ): Promise<{ deliveries: WebhookDelivery[]; next_page_token?: string }> {
    if (req.webhook_id !== undefined) await this.get(req.webhook_id)
    let status: WebhookDeliveryStatus | undefined
    if (req.status !== undefined && req.status !== '') {
      status = STATUSES.find((s) => s === req.status!.toUpperCase())
      if (!status) throw new InvalidParameterError(`Invalid delivery status '${req.status}': expected one of ${STATUSES.join(', ')}.`)
    }
    const size = pageSize(toInt(req.max_results), 100, 1000)
    const offset = decodePageToken(req.page_token)
    const rows = await this.store.registry.webhooks.deliveries({ webhookId: req.webhook_id, status, offset, limit: size + 1 })
    const { items, nextPageToken } = page(rows, offset, size)
    return { deliveries: items.map(deliveryFromRow), next_page_token: nextPageToken }
  }
}

function validateUrl(raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new InvalidParameterError(`Invalid webhook url '${raw}': not a URL.`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidParameterError(`Invalid webhook url '${raw}': only http:// and https:// URLs are supported.`)
  }
  if (raw.length > 2048) throw new InvalidParameterError('Invalid webhook url: longer than 2048 characters.')
  return url.toString()
}

function validateEvents(events: string[]): WebhookEvent[] {
  if (events.length === 0) {
    throw new InvalidParameterError(`A webhook needs at least one event: ${WEBHOOK_EVENTS.join(', ')}.`)
  }
  for (const e of events) {
    if (!(WEBHOOK_EVENTS as readonly string[]).includes(e)) {
      throw new InvalidParameterError(`Unknown webhook event '${e}': expected one of ${WEBHOOK_EVENTS.join(', ')}.`)
    }
  }
  return [...new Set(events)] as WebhookEvent[]
}

function validateSecret(secret: string): void {
  if (secret.length < 8 || secret.length > 1024) {
    throw new InvalidParameterError('A webhook secret must be 8 to 1024 characters long.')
  }
}
