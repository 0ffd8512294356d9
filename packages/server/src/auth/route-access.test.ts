import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import Fastify from 'fastify'
import { createTestApp } from '../testing/test-app.js'
import { ROUTE_ACCESS, accessOf, allows, classifyRoutes, routeKey } from './route-access.js'

const app = await createTestApp('sqlite')
after(() => app.dispose())

test('every route the server registers is in the access table', () => {
  const unlisted = app.routes.filter((r) => !r.listed).map((r) => `${r.method} ${r.url}`)
  assert.deepEqual(unlisted, [])
  assert.ok(app.routes.length > 250, `${app.routes.length} routes`)
})

test('every entry of the access table is a route the server registers', () => {
  const registered = new Set(app.routes.map((r) => routeKey(r.method, r.url)))
  assert.deepEqual(Object.keys(ROUTE_ACCESS).filter((k) => !registered.has(k)), [])
})

test('only liveness and the UI are open; changes need write or admin', () => {
  const open = app.routes.filter((r) => r.access === 'open')
  assert.ok(open.every((r) => r.method === 'GET' || r.method === 'HEAD'))
  assert.ok(open.every((r) => !/^\/(ajax-)?api\//.test(r.url)), 'no API route is open')
  const changing = app.routes.filter((r) => ['PUT', 'PATCH', 'DELETE'].includes(r.method))
  assert.ok(changing.every((r) => r.access === 'write' || r.access === 'admin'))
  for (const path of ['/webhooks/create', '/webhooks/list', '/tokens/create', '/tokens/list', '/datastores/create']) {
    assert.equal(accessOf(path.endsWith('list') ? 'GET' : 'POST', `/ajax-api/2.0/railyard${path}`), 'admin', path)
  }
})

test('a route missing from the table needs admin', async () => {
  const bare = Fastify()
  const routes = classifyRoutes(bare)
  bare.get('/api/2.0/railyard/something-new', async (req) => ({ access: (req.routeOptions.config as { access?: string }).access }))
  await bare.ready()
  assert.deepEqual(routes.find((r) => r.method === 'GET'), { method: 'GET', url: '/api/2.0/railyard/something-new', access: 'admin', listed: false })
  assert.deepEqual((await bare.inject('/api/2.0/railyard/something-new')).json(), { access: 'admin' })
  await bare.close()
})

test('roles include the ones below them', () => {
  assert.deepEqual(
    (['read', 'write', 'admin'] as const).map((role) => (['open', 'read', 'write', 'admin'] as const).filter((a) => allows(role, a))),
    [['open', 'read'], ['open', 'read', 'write'], ['open', 'read', 'write', 'admin']],
  )
})
