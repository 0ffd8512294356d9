import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { InvalidParameterError, NotFoundError, UnauthenticatedError } from '@railyard/api'
import { DIALECTS, createTestDatabase, type TestDatabase } from '../testing/databases.js'
import { Store } from '../store/store.js'
import { TokensService, hashToken } from './tokens.js'

for (const dialect of DIALECTS) {
  describe(`tokens (${dialect})`, async () => {
    const db: TestDatabase = await createTestDatabase(dialect)
    const store = await Store.open(db.uri)
    let clock = 1_700_000_000_000
    const tokens = new TokensService(store, { now: () => clock })
    after(async () => {
      await store.close()
      await db.drop()
    })

    test('a token is stored only as its SHA-256 and verifies as its user and role', async () => {
      const { token, value } = await tokens.create({ user: 'alice', role: 'write', description: 'ci' }, 'root')
      assert.match(value, /^ryt_[A-Za-z0-9_-]{43}$/)
      assert.deepEqual(token, { id: token.id, user: 'alice', role: 'write', description: 'ci', created_at: clock, created_by: 'root', last_used_at: undefined, expires_at: undefined, revoked_at: undefined })
      const row = await store.tokens.get(token.id)
      assert.equal(row?.token_hash, hashToken(value))
      assert.ok(!JSON.stringify(row).includes(value))
      assert.deepEqual(await tokens.verify(value), { user: 'alice', role: 'write' })
      assert.deepEqual(await tokens.verify(value, 'alice'), { user: 'alice', role: 'write' })
      await assert.rejects(tokens.verify(value, 'bob'), UnauthenticatedError)
      await assert.rejects(tokens.verify(value + 'x'), UnauthenticatedError)
    })

    test('last_used_at is written at most once a minute', async () => {
      const { token, value } = await tokens.create({ user: 'carol', role: 'read' }, 'root')
      await tokens.verify(value)
      const first = clock
      clock += 30_000
      await tokens.verify(value)
      assert.equal((await store.tokens.get(token.id))?.last_used_at, first)
      clock += 30_000
      await tokens.verify(value)
      assert.equal((await store.tokens.get(token.id))?.last_used_at, clock)
    })

    test('expired and revoked tokens are refused; revoked ones are listed only on request', async () => {
      const expiring = await tokens.create({ user: 'dave', role: 'read', expires_at: clock + 1000 }, 'root')
      await tokens.verify(expiring.value)
      clock += 1000
      await assert.rejects(tokens.verify(expiring.value), /unknown, revoked or expired/)

      const revoked = await tokens.create({ user: 'erin', role: 'admin' }, 'root')
      const { token } = await tokens.revoke(revoked.token.id)
      assert.equal(token.revoked_at, clock)
      clock += 5
      assert.equal((await tokens.revoke(revoked.token.id)).token.revoked_at, clock - 5, 'revoking again changes nothing')
      await assert.rejects(tokens.verify(revoked.value), UnauthenticatedError)
      assert.ok(!(await tokens.list()).tokens.some((t) => t.id === token.id))
      assert.ok((await tokens.list(true)).tokens.some((t) => t.id === token.id))
      await assert.rejects(tokens.revoke('nope'), NotFoundError)
    })

    test('bad users, roles and expiries are refused', async () => {
      await assert.rejects(tokens.create({ user: 'a:b', role: 'read' }, 'root'), InvalidParameterError)
      await assert.rejects(tokens.create({ user: ' ', role: 'read' }, 'root'), InvalidParameterError)
      await assert.rejects(tokens.create({ user: 'a', role: 'owner' }, 'root'), /role must be one of read, write, admin/)
      await assert.rejects(tokens.create({ user: 'a', role: 'read', expires_at: clock - 1 }, 'root'), /in the future/)
    })
  })
}
