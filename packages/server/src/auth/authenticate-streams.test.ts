import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import { Store } from '../store/store.js'
import { TokensService } from '../services/tokens.js'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../testing/databases.js'
import { installAuthentication } from './authenticate.js'

const RECHECK_MS = 100

for (const dialect of DIALECTS) {
  describe(`an open response checks its token again and ends once it is revoked (${dialect})`, () => {
    let db: TestDatabase
    let store: Store
    let tokens: TokensService
    let app: FastifyInstance
    let url: string

    before(async () => {
      db = await createTestDatabase(dialect)
      store = await Store.open(db.uri)
      tokens = new TokensService(store)
      app = Fastify()
      installAuthentication(app, tokens, { recheckMs: RECHECK_MS })
      // A stream that never ends by itself, as the live log of a running run.
      app.get('/stream', (_req, reply) => {
        reply.hijack()
        reply.raw.writeHead(200, { 'content-type': 'text/plain' })
        const tick = setInterval(() => reply.raw.write('tick\n'), 20)
        reply.raw.on('close', () => clearInterval(tick))
      })
      app.get('/short', async () => ({ ok: true }))
      await app.listen({ host: '127.0.0.1', port: 0 })
      url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    })
    after(async () => {
      await app.close()
      await store.close()
      await db.drop()
    })

    /** Reads the stream until it ends or `ms` pass; resolves to whether it ended, and how much came. */
    async function follow(token: string, ms: number, midway?: () => Promise<void>): Promise<{ ended: boolean; ticks: number }> {
      const res = await fetch(`${url}/stream`, { headers: { authorization: `Bearer ${token}` } })
      assert.equal(res.status, 200)
      const reader = res.body!.getReader()
      let ticks = 0
      const deadline = Date.now() + ms
      let acted = false
      try {
        while (Date.now() < deadline) {
          const next = await Promise.race([reader.read(), new Promise<'wait'>((r) => setTimeout(() => r('wait'), deadline - Date.now()))])
          if (next === 'wait') break
          if (next.done) return { ended: true, ticks }
          ticks += new TextDecoder().decode(next.value).split('tick').length - 1
          if (!acted && ticks >= 3 && midway) {
            acted = true
            await midway()
          }
        }
      } catch {
        return { ended: true, ticks }
      } finally {
        await reader.cancel().catch(() => {})
      }
      return { ended: false, ticks }
    }

    test('a valid token keeps its stream open across several checks', async () => {
      const { value } = await tokens.create({ user: 'rita', role: 'read' }, 'test')
      const { ended, ticks } = await follow(value, RECHECK_MS * 6)
      assert.equal(ended, false)
      assert.ok(ticks > 10, `${ticks} ticks`)
    })

    test('revoking the token ends its open stream within a check', async () => {
      const { token, value } = await tokens.create({ user: 'rob', role: 'read' }, 'test')
      const started = Date.now()
      const { ended } = await follow(value, RECHECK_MS * 20, () => tokens.revoke(token.id).then(() => {}))
      assert.equal(ended, true)
      assert.ok(Date.now() - started < RECHECK_MS * 10, `${Date.now() - started} ms`)
    })

    test('an expiring token ends its open stream once it expires', async () => {
      const { value } = await tokens.create({ user: 'eve', role: 'read', expires_at: Date.now() + RECHECK_MS * 3 }, 'test')
      const { ended } = await follow(value, RECHECK_MS * 20)
      assert.equal(ended, true)
    })

    test('short requests answer as before', async () => {
      const { value } = await tokens.create({ user: 'sam', role: 'read' }, 'test')
      for (let i = 0; i < 20; i++) {
        const res = await fetch(`${url}/short`, { headers: { authorization: `Bearer ${value}` } })
        assert.deepEqual(await res.json(), { ok: true })
      }
    })
  })
}
