import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { PermissionDeniedError, UnauthenticatedError } from '@railyard/api'
import { createTestApp } from '@railyard/server/testing/test-app.js'
import { RailyardClient } from './client.js'
import { tokensOf } from './tokens-client.js'

const app = await createTestApp('sqlite', { auth: true })
await app.app.listen({ port: 0, host: '127.0.0.1' })
const trackingUri = `http://127.0.0.1:${(app.app.server.address() as AddressInfo).port}`
after(() => app.dispose())
const admin = (await app.services.tokens.create({ user: 'ada', role: 'admin' }, 'test')).value
const clientWith = (headers: Record<string, string>) => new RailyardClient({ trackingUri, headers, retries: 0 })

test('an admin creates, lists and revokes tokens; others get the API error classes', async () => {
  const tokens = tokensOf(clientWith({ authorization: `Bearer ${admin}` }))
  const { token, value } = await tokens.create('ci', 'read', { description: 'CI', expiresAt: new Date(Date.now() + 60_000) })
  assert.equal(token.user, 'ci')
  assert.equal(token.created_by, 'ada')
  assert.deepEqual((await tokens.list()).map((t) => t.user), ['ada', 'ci'])

  const reader = clientWith({ authorization: `Bearer ${value}` })
  assert.ok(Array.isArray((await reader.experiments.search({})).items))
  await assert.rejects(tokensOf(reader).list(), PermissionDeniedError)

  assert.ok((await tokens.revoke(token.id)).revoked_at)
  await assert.rejects(reader.experiments.search({}), UnauthenticatedError)
  assert.deepEqual((await tokens.list({ includeRevoked: true })).map((t) => t.user), ['ada', 'ci'])
  await assert.rejects(tokensOf(clientWith({})).list(), UnauthenticatedError)
})
