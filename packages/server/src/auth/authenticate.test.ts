import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createTestApp } from '../testing/test-app.js'

const app = await createTestApp('sqlite', { auth: true })
after(() => app.dispose())

const make = async (user: string, role: string, extra: { expires_at?: number } = {}) =>
  (await app.services.tokens.create({ user, role, ...extra }, 'test')).value
const reader = await make('rita', 'read')
const writer = await make('walt', 'write')
const admin = await make('ada', 'admin')

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const basic = (user: string, token: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}` })

async function send(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, headers: Record<string, string> = {}, body?: unknown) {
  const res = await app.app.inject({
    method,
    url,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    payload: body === undefined ? undefined : JSON.stringify(body),
  })
  let json: any
  try {
    json = res.json()
  } catch {
    json = undefined
  }
  return { status: res.statusCode, body: json, headers: res.headers }
}

const ML = '/api/2.0/mlflow'
const RY = '/api/2.0/railyard'

describe('without credentials', () => {
  test('API calls are 401 UNAUTHENTICATED with a Bearer challenge, in MLflow shape', async () => {
    for (const url of [`${ML}/experiments/search`, `/ajax-api/2.0/mlflow/experiments/search`, '/api/2.0/mlflow-artifacts/artifacts', '/get-artifact', `${RY}/webhooks/list`, '/api/2.0/nothing-here']) {
      const res = await send('GET', url)
      assert.equal(res.status, 401, url)
      assert.equal(res.body.error_code, 'UNAUTHENTICATED')
      assert.match(res.body.message, /MLFLOW_TRACKING_TOKEN/)
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="railyard"')
    }
  })

  test('health, version and the UI stay open', async () => {
    assert.equal((await send('GET', '/health')).status, 200)
    assert.equal((await send('GET', '/version')).status, 200)
    assert.notEqual((await send('GET', '/')).status, 401)
    assert.notEqual((await send('GET', '/experiments/1')).status, 401)
  })

  test('an unknown, wrong-user, revoked or expired token is 401', async () => {
    const expiring = await make('eve', 'write', { expires_at: Date.now() + 50 })
    const revoked = await app.services.tokens.create({ user: 'rob', role: 'admin' }, 'test')
    await app.services.tokens.revoke(revoked.token.id)
    await new Promise((r) => setTimeout(r, 60))
    for (const headers of [bearer('ryt_guess'), basic('mallory', writer), bearer(expiring), bearer(revoked.value), { authorization: 'Bearer' }]) {
      const res = await send('GET', `${ML}/experiments/search`, headers)
      assert.equal(res.status, 401, JSON.stringify(headers))
      assert.equal(res.body.error_code, 'UNAUTHENTICATED')
    }
  })
})

describe('roles', () => {
  test('read: GETs and searches, nothing that changes', async () => {
    assert.equal((await send('GET', `${ML}/experiments/search`, bearer(reader))).status, 200)
    assert.equal((await send('POST', `${ML}/runs/search`, bearer(reader), { experiment_ids: ['0'] })).status, 200)
    assert.equal((await send('GET', `${ML}/registered-models/search`, basic('rita', reader))).status, 200)
    const refused = await send('POST', `${ML}/experiments/create`, bearer(reader), { name: 'nope' })
    assert.equal(refused.status, 403)
    assert.equal(refused.body.error_code, 'PERMISSION_DENIED')
    assert.match(refused.body.message, /'write' role; rita's token has 'read'/)
    assert.equal((await send('PUT', '/api/2.0/mlflow-artifacts/artifacts/x/y.txt', bearer(reader))).status, 403)
  })

  test('write: tracking and registry, but not webhooks, tokens or datastores', async () => {
    assert.equal((await send('POST', `${ML}/experiments/create`, bearer(writer), { name: 'by-walt' })).status, 200)
    assert.equal((await send('POST', `${ML}/registered-models/create`, basic('walt', writer), { name: 'm-walt' })).status, 200)
    for (const [method, url, body] of [
      ['POST', `${RY}/webhooks/create`, { url: 'http://127.0.0.1:1/hook', events: ['model_version.created'] }],
      ['GET', `${RY}/webhooks/list`, undefined],
      ['POST', `${RY}/tokens/create`, { user: 'x', role: 'admin' }],
      ['POST', `${RY}/datastores/create`, { name: 'd', kind: 'local', root: '/tmp' }],
    ] as const) {
      const res = await send(method, url, bearer(writer), body)
      assert.equal(res.status, 403, url)
      assert.equal(res.body.error_code, 'PERMISSION_DENIED')
    }
  })

  test('admin: tokens and webhooks; a token made through the API works at once', async () => {
    const created = await send('POST', `${RY}/tokens/create`, bearer(admin), { user: 'ci-bot', role: 'write' })
    assert.equal(created.status, 200)
    assert.equal(created.body.token.created_by, 'ada')
    assert.equal((await send('POST', `${ML}/experiments/create`, bearer(created.body.value), { name: 'by-ci' })).status, 200)
    const listed = await send('GET', `${RY}/tokens/list`, bearer(admin))
    assert.ok(listed.body.tokens.some((t: { user: string }) => t.user === 'ci-bot'))
    assert.ok(!JSON.stringify(listed.body).includes(created.body.value), 'values are never listed')
    assert.equal((await send('POST', `${RY}/tokens/revoke`, bearer(admin), { id: created.body.token.id })).status, 200)
    assert.equal((await send('GET', `${ML}/experiments/search`, bearer(created.body.value))).status, 401)
    const hook = await send('POST', `${RY}/webhooks/create`, bearer(admin), { url: 'http://127.0.0.1:1/hook', events: ['model_version.created'] })
    assert.equal(hook.status, 200)
  })
})

test("the audit log records the token's user, whatever X-Railyard-User claims", async () => {
  await send('POST', `${ML}/registered-models/create`, bearer(writer), { name: 'audited' })
  const headers = { ...bearer(writer), 'x-railyard-user': 'mallory' }
  assert.equal((await send('PATCH', `${ML}/registered-models/update`, headers, { name: 'audited', description: 'd', reason: 'r' })).status, 200)
  const audit = await send('GET', `${RY}/registered-models/audit?name=audited`, bearer(reader))
  assert.equal(audit.body.entries.length, 1)
  assert.equal(audit.body.entries[0].who, 'walt')
})

test("a run's user is the token's user, whatever the client says", async () => {
  const claimed = { user_id: 'mallory', tags: [{ key: 'mlflow.user', value: 'mallory' }, { key: 'team', value: 'nlp' }] }
  const created = await send('POST', `${ML}/runs/create`, bearer(writer), { experiment_id: '0', ...claimed })
  assert.equal(created.status, 200)
  const { run } = (await send('GET', `${ML}/runs/get?run_id=${created.body.run.info.run_id}`, bearer(reader))).body
  assert.equal(run.info.user_id, 'walt')
  assert.deepEqual(
    run.data.tags.filter((t: any) => !t.key.startsWith('mlflow.runName')).sort((a: any, b: any) => a.key.localeCompare(b.key)),
    [{ key: 'mlflow.user', value: 'walt' }, { key: 'team', value: 'nlp' }],
  )
})

test('last_used_at is set by a request', async () => {
  const { tokens } = await app.services.tokens.list()
  assert.ok(tokens.find((t) => t.user === 'rita')?.last_used_at)
})

test("the UI's cookie authenticates GETs only", async () => {
  const cookie = { cookie: `railyard_token=${encodeURIComponent(writer)}` }
  assert.equal((await send('GET', `${ML}/experiments/search`, cookie)).status, 200)
  const post = await send('POST', `${ML}/experiments/create`, cookie, { name: 'by-cookie' })
  assert.equal(post.status, 401)
})

test('garbled credentials are 401, never 500', async () => {
  const garbled: Record<string, string>[] = [
    { cookie: 'railyard_token=%E0%A4%A' },
    { cookie: 'railyard_token=ryt_%' },
    { authorization: 'Basic !!!!' },
    { authorization: 'Basic' },
    { authorization: `Basic ${Buffer.from([0xff, 0x3a, 0xfe]).toString('base64')}` },
    { authorization: `Bearer ${'a'.repeat(12_000)}` },
    { authorization: 'Bearer ryt_\u00ff\u00fe' },
    { authorization: 'Digest username="rita"' },
    { authorization: 'Bearer ryt_guess', cookie: 'railyard_token=%' },
  ]
  for (const headers of garbled) {
    for (const url of [`${ML}/experiments/search`, '/api/2.0/nothing-here']) {
      const res = await send('GET', url, headers)
      assert.equal(res.status, 401, `${url} ${JSON.stringify(headers).slice(0, 80)}`)
      assert.equal(res.body.error_code, 'UNAUTHENTICATED')
    }
  }
})

test('the artifact proxy streams uploads and downloads for tokens that may', async () => {
  const url = '/api/2.0/mlflow-artifacts/artifacts/0/run/artifacts/notes.txt'
  const up = await app.app.inject({ method: 'PUT', url, headers: { ...bearer(writer), 'content-type': 'text/plain' }, payload: 'hello' })
  assert.equal(up.statusCode, 200)
  const down = await app.app.inject({ method: 'GET', url, headers: basic('rita', reader) })
  assert.equal(down.statusCode, 200)
  assert.equal(down.body, 'hello')
  assert.equal((await app.app.inject({ method: 'GET', url })).statusCode, 401)
})
