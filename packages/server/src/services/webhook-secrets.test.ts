import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { InvalidParameterError } from '@railyard/api'
import { DIALECTS, createTestDatabase } from '../testing/databases.js'
import { Store } from '../store/store.js'
import { WebhookSecrets } from './webhook-secrets.js'
import { WebhooksService } from './webhooks.js'

delete process.env.RAILYARD_SECRET_KEY

test('sealed with a key, plaintext without one; plaintext stays readable', () => {
  const keyed = new WebhookSecrets('k1')
  const sealed = keyed.seal('hook-secret-1')
  assert.match(sealed, /^sealed:v1:/)
  assert.ok(!sealed.includes('hook-secret-1'))
  assert.equal(keyed.open(sealed), 'hook-secret-1')
  assert.equal(keyed.open('old-plain-secret'), 'old-plain-secret')
  assert.equal(keyed.sealIfPlain(sealed), undefined)
  assert.equal(keyed.open(keyed.sealIfPlain('old-plain-secret')!), 'old-plain-secret')

  const keyless = new WebhookSecrets(undefined)
  assert.equal(keyless.seal('hook-secret-1'), 'hook-secret-1')
  assert.equal(keyless.sealIfPlain('hook-secret-1'), undefined)
  assert.throws(() => keyless.open(sealed), /no RAILYARD_SECRET_KEY/)
  assert.throws(() => new WebhookSecrets('k2').open(sealed), /cannot be decrypted/)
  assert.throws(() => keyed.seal('sealed:x'), InvalidParameterError)
})

for (const dialect of DIALECTS) {
  describe(`webhook secrets at rest (${dialect})`, async () => {
    const db = await createTestDatabase(dialect)
    const store = await Store.open(db.uri)
    const received: Array<{ ok: boolean }> = []
    const secrets = new Map<string, string>()
    const receiver = http.createServer((req, res) => {
      let body = ''
      req.on('data', (c) => (body += c))
      req.on('end', () => {
        const secret = secrets.get(req.url!)!
        received.push({ ok: req.headers['x-railyard-signature'] === `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` })
        res.end()
      })
    })
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
    const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
    after(async () => {
      receiver.close()
      await store.close()
      await db.drop()
    })

    test('a key seals old rows on start and new ones on write; deliveries are signed with the real secret', async () => {
      const errors: unknown[] = []
      const onError = (err: unknown) => void errors.push(err)
      const before = new WebhooksService(store, { onError })
      const old = await before.create({ url: `${base}/old`, events: ['alias.set'], secret: 'plain-secret-1' })
      secrets.set('/old', 'plain-secret-1')
      assert.equal((await store.registry.webhooks.get(old.webhook.id))?.secret, 'plain-secret-1')
      await before.close()

      const keyed = new WebhooksService(store, { secretKey: 'k1', onError, retry: { baseMs: 20, maxAttempts: 2 } })
      keyed.start()
      for (let i = 0; (await store.registry.webhooks.get(old.webhook.id))?.secret === 'plain-secret-1'; i++) {
        assert.ok(i < 200, 'the old row was not sealed')
        await new Promise((r) => setTimeout(r, 10))
      }
      const created = await keyed.create({ url: `${base}/new`, events: ['alias.set'] })
      secrets.set('/new', created.secret!)
      const stored = (await store.registry.webhooks.get(created.webhook.id))!.secret
      assert.match(stored, /^sealed:/)
      assert.ok(!stored.includes(created.secret!))

      keyed.emit('alias.set', { name: 'm', alias: 'production', version: '1' })
      for (let i = 0; received.length < 2; i++) {
        assert.ok(i < 500, 'deliveries did not arrive')
        await new Promise((r) => setTimeout(r, 10))
      }
      assert.deepEqual(received, [{ ok: true }, { ok: true }])
      await keyed.update({ id: created.webhook.id, secret: 'rotated-secret-3' })
      assert.match((await store.registry.webhooks.get(created.webhook.id))!.secret, /^sealed:/)
      await keyed.close()
      assert.deepEqual(errors, [])
    })
  })
}
