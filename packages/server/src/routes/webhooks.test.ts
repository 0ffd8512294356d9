import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac, timingSafeEqual } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { DIALECTS } from '../testing/databases.js'
import { createTestApp, type TestApp } from '../testing/test-app.js'
import { registryClient, trainRun, type TrainedRun } from './registry-fixtures.js'

interface Received {
  event: string
  delivery: string
  body: string
  payload: { id: string; event: string; timestamp: number; data: any }
}

/**
 * A webhook receiver on 127.0.0.1:0 that checks every signature the way a real one should: HMAC
 * over the raw body, compared in constant time. `answer` decides each response's status.
 */
async function startReceiver(secret: string, answer: (n: number) => number | Promise<number>) {
  const received: Received[] = []
  const rejected: string[] = []
  let requests = 0
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', async () => {
      const body = Buffer.concat(chunks)
      const header = String(req.headers['x-railyard-signature'] ?? '')
      const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`)
      const valid = header.length === expected.length && timingSafeEqual(Buffer.from(header), expected)
      if (!valid) {
        rejected.push(body.toString())
        res.writeHead(401).end('bad signature')
        return
      }
      const status = await answer(++requests)
      if (status === 200) {
        received.push({
          event: String(req.headers['x-railyard-event']),
          delivery: String(req.headers['x-railyard-delivery']),
          body: body.toString(),
          payload: JSON.parse(body.toString()),
        })
      }
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'try again')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    rejected,
    requests: () => requests,
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

for (const dialect of DIALECTS) {
  describe(`webhooks (${dialect})`, () => {
    let t: TestApp
    let api: ReturnType<typeof registryClient>
    let run: TrainedRun
    const receivers: Array<{ close(): Promise<void> }> = []
    before(async () => {
      t = await createTestApp(dialect)
      t.services.registry.webhooks.setRetryPolicy({ baseMs: 40, maxMs: 200, maxAttempts: 3, timeoutMs: 3000 })
      api = registryClient(t.app, { 'x-railyard-user': 'erin' })
      run = await trainRun(t.app)
      await api.mlflow('POST', '/registered-models/create', { name: 'ranker' })
    })
    after(async () => {
      await t.dispose()
      for (const r of receivers) await r.close()
    })

    const deliveries = async (webhookId: string) =>
      (await api.railyard('GET', '/webhooks/deliveries', { webhook_id: webhookId })).body.deliveries ?? []

    test('admin CRUD; the secret is shown once; bad input changes nothing', async () => {
      const created = await api.railyard('POST', '/webhooks/create', {
        url: 'http://127.0.0.1:9/none',
        events: ['alias.set', 'alias.set', 'gate.recorded'],
        description: 'deployer',
      })
      assert.equal(created.status, 200)
      const hook = created.body.webhook
      assert.match(hook.id, /^[0-9a-f]{32}$/)
      assert.deepEqual(hook.events, ['alias.set', 'gate.recorded'])
      assert.equal(hook.active, true)
      assert.equal(hook.description, 'deployer')
      assert.match(created.body.secret, /^[0-9a-f]{64}$/)
      const got = await api.railyard('GET', '/webhooks/get', { id: hook.id })
      assert.deepEqual(got.body, { webhook: hook })
      assert.ok(!JSON.stringify(got.body).includes(created.body.secret))

      const updated = await api.railyard('PATCH', '/webhooks/update', { id: hook.id, events: ['alias.deleted'], active: false })
      assert.deepEqual(updated.body.webhook.events, ['alias.deleted'])
      assert.equal(updated.body.webhook.active, false)

      const before = (await api.railyard('GET', '/webhooks/list')).body
      for (const body of [
        { url: 'ftp://example.com/x', events: ['alias.set'] },
        { url: 'not a url', events: ['alias.set'] },
        { url: 'http://example.com/x', events: [] },
        { url: 'http://example.com/x', events: ['model.exploded'] },
        { url: 'http://example.com/x', events: ['alias.set'], secret: 'short' },
        { events: ['alias.set'] },
      ]) {
        const res = await api.railyard('POST', '/webhooks/create', body)
        assert.equal(res.status, 400, JSON.stringify(body))
        assert.equal(res.body.error_code, 'INVALID_PARAMETER_VALUE')
      }
      assert.equal((await api.railyard('PATCH', '/webhooks/update', { id: hook.id, url: 'gopher://x' })).status, 400)
      assert.equal((await api.railyard('PATCH', '/webhooks/update', { id: 'f'.repeat(32), active: true })).status, 404)
      assert.equal((await api.railyard('GET', '/webhooks/get', { id: 'f'.repeat(32) })).status, 404)
      assert.equal((await api.railyard('GET', '/webhooks/deliveries', { status: 'LOST' })).status, 400)
      assert.deepEqual((await api.railyard('GET', '/webhooks/list')).body, before)

      assert.deepEqual((await api.railyard('DELETE', '/webhooks/delete', { id: hook.id })).body, {})
      assert.equal((await api.railyard('DELETE', '/webhooks/delete', { id: hook.id })).status, 404)
      assert.equal((await api.railyard('GET', '/webhooks/list')).body.webhooks, undefined)
    })

    test('signed deliveries for version, alias set and alias deleted; retried after a 500', async () => {
      const secret = 'deployer-secret-123'
      // The first request fails: the delivery must come again, identical, and then succeed.
      const receiver = await startReceiver(secret, (n) => (n === 1 ? 500 : 200))
      receivers.push(receiver)
      const hook = (
        await api.railyard('POST', '/webhooks/create', {
          url: receiver.url,
          secret,
          events: ['model_version.created', 'alias.set', 'alias.deleted'],
        })
      ).body.webhook
      const idle = await startReceiver(secret, () => 200)
      receivers.push(idle)
      await api.railyard('POST', '/webhooks/create', { url: idle.url, secret, events: ['gate.recorded'] })
      const off = await startReceiver(secret, () => 200)
      receivers.push(off)
      await api.railyard('POST', '/webhooks/create', { url: off.url, secret, events: ['alias.set'], active: false })

      const created = await api.mlflow('POST', '/model-versions/create', { name: 'ranker', source: `runs:/${run.runId}/model` })
      assert.equal(created.body.model_version.status, 'READY')
      await until('the version event', async () => (receiver.received.length >= 1 ? true : undefined))
      await api.mlflow('POST', '/registered-models/alias', { name: 'ranker', alias: 'production', version: '1', reason: 'launch' })
      await until('the alias event', async () => (receiver.received.length >= 2 ? true : undefined))
      await api.mlflow('DELETE', '/registered-models/alias', { name: 'ranker', alias: 'production', reason: 'rollback' })
      await until('the alias removal', async () => (receiver.received.length >= 3 ? true : undefined))

      assert.deepEqual(receiver.rejected, [])
      assert.deepEqual(
        receiver.received.map((r) => r.event),
        ['model_version.created', 'alias.set', 'alias.deleted'],
      )
      const [v, set, del] = receiver.received.map((r) => r.payload)
      assert.equal(v.event, 'model_version.created')
      assert.equal(v.data.model_version.name, 'ranker')
      assert.equal(v.data.model_version.version, '1')
      assert.equal(v.data.model_version.status, 'READY')
      assert.deepEqual(set.data, { name: 'ranker', alias: 'production', version: '1', who: 'erin', reason: 'launch' })
      assert.deepEqual(del.data, { name: 'ranker', alias: 'production', version: '1', who: 'erin', reason: 'rollback' })
      for (const r of receiver.received) assert.equal(r.payload.id, r.delivery)
      // One failed attempt plus three successes.
      assert.equal(receiver.requests(), 4)
      assert.equal(idle.requests(), 0)
      assert.equal(off.requests(), 0)

      const history = await until('all delivered', async () => {
        const list = await deliveries(hook.id)
        return list.length === 3 && list.every((d: { status: string }) => d.status === 'DELIVERED') ? list : undefined
      })
      const first = history.find((d: { event: string }) => d.event === 'model_version.created')
      assert.equal(first.attempts, 2)
      assert.equal(first.last_status_code, 200)
      assert.equal(first.payload, receiver.received[0].body)
      assert.equal(typeof first.delivered_at, 'number')
      assert.deepEqual(
        history.map((d: { event: string }) => d.event),
        ['alias.deleted', 'alias.set', 'model_version.created'],
      )
    })

    test('a receiver that never succeeds: retried with backoff, then FAILED with the reason', async () => {
      const receiver = await startReceiver('another-secret', () => 503)
      receivers.push(receiver)
      const hook = (await api.railyard('POST', '/webhooks/create', { url: receiver.url, secret: 'another-secret', events: ['alias.set'] })).body.webhook
      await api.mlflow('POST', '/registered-models/alias', { name: 'ranker', alias: 'canary', version: '1' })
      const [failed] = await until('the delivery to fail', async () => {
        const list = await deliveries(hook.id)
        return list[0]?.status === 'FAILED' ? list : undefined
      })
      assert.equal(failed.attempts, 3)
      assert.equal(failed.last_status_code, 503)
      assert.match(failed.last_error, /HTTP 503: try again/)
      assert.equal(receiver.requests(), 3)
      const onlyFailed = await api.railyard('GET', '/webhooks/deliveries', { status: 'failed' })
      assert.deepEqual(onlyFailed.body.deliveries.map((d: { id: string }) => d.id), [failed.id])
    })

    test('a slow receiver never slows the API down', async () => {
      let release!: () => void
      const gate = new Promise<void>((resolve) => (release = resolve))
      const receiver = await startReceiver('slow-secret-1', async () => {
        await gate
        return 200
      })
      receivers.push(receiver)
      await api.railyard('POST', '/webhooks/create', { url: receiver.url, secret: 'slow-secret-1', events: ['alias.set'] })
      const started = Date.now()
      const res = await api.mlflow('POST', '/registered-models/alias', { name: 'ranker', alias: 'blue', version: '1' })
      assert.equal(res.status, 200)
      assert.ok(Date.now() - started < 1000, `the alias request took ${Date.now() - started} ms`)
      await until('the slow receiver to be called', async () => (receiver.requests() > 0 ? true : undefined))
      release()
      await until('the slow delivery', async () => (receiver.received.length === 1 ? true : undefined))
      assert.equal(receiver.received[0].payload.data.alias, 'blue')
    })
  })
}
