import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { installErrorHandler } from '../http/error-handler.js'
import { uiRoutes } from './ui.js'

async function appServing(distDir: string): Promise<FastifyInstance> {
  const app = Fastify()
  installErrorHandler(app)
  app.get('/api/2.0/mlflow/experiments/get', async () => ({ experiment: {} }))
  await app.register(uiRoutes(distDir))
  await app.ready()
  return app
}

describe('web UI routes', () => {
  let dir: string
  let built: FastifyInstance
  let missing: FastifyInstance
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-ui-dist-'))
    fs.mkdirSync(path.join(dir, 'dist', 'assets'), { recursive: true })
    fs.writeFileSync(path.join(dir, 'dist', 'index.html'), '<!doctype html><div id="root"></div>')
    fs.writeFileSync(path.join(dir, 'dist', 'assets', 'index-abc123.js'), 'console.log(1)')
    built = await appServing(path.join(dir, 'dist'))
    missing = await appServing(path.join(dir, 'not-built'))
  })
  after(async () => {
    await built.close()
    await missing.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  test('every page URL is answered with index.html, never cached, with a same-origin CSP', async () => {
    for (const url of ['/', '/experiments', '/experiments/3?filter=metrics.auc%20%3E%201', '/runs/abc', '/models/churn/versions/2', '/datasets/tweets/diff?from=a&to=b']) {
      const res = await built.inject({ method: 'GET', url })
      assert.equal(res.statusCode, 200, url)
      assert.match(res.headers['content-type'] as string, /^text\/html/)
      assert.equal(res.body, '<!doctype html><div id="root"></div>')
      assert.equal(res.headers['cache-control'], 'no-cache')
      assert.match(res.headers['content-security-policy'] as string, /default-src 'self'/)
    }
  })

  test('hashed assets are cached for good; unknown assets and API paths keep the JSON 404', async () => {
    const asset = await built.inject({ method: 'GET', url: '/assets/index-abc123.js' })
    assert.equal(asset.statusCode, 200)
    assert.equal(asset.body, 'console.log(1)')
    assert.match(asset.headers['cache-control'] as string, /max-age=31536000.*immutable/)
    const gone = await built.inject({ method: 'GET', url: '/assets/index-old.js' })
    assert.equal(gone.statusCode, 404)
    const api = await built.inject({ method: 'GET', url: '/api/2.0/mlflow/no-such-endpoint' })
    assert.equal(api.statusCode, 404)
    assert.equal(api.json().error_code, 'ENDPOINT_NOT_FOUND')
    const other = await built.inject({ method: 'GET', url: '/not-a-page' })
    assert.equal(other.json().error_code, 'ENDPOINT_NOT_FOUND')
    const escape = await built.inject({ method: 'GET', url: '/assets/..%2findex.html' })
    assert.notEqual(escape.body, '<!doctype html><div id="root"></div>')
  })

  test('without a build, pages explain how to build the UI and the API still answers', async () => {
    const res = await missing.inject({ method: 'GET', url: '/experiments/1' })
    assert.equal(res.statusCode, 503)
    assert.match(res.headers['content-type'] as string, /^text\/plain/)
    assert.match(res.body, /web UI has not been built/)
    assert.match(res.body, /npm run build/)
    const api = await missing.inject({ method: 'GET', url: '/api/2.0/mlflow/experiments/get' })
    assert.equal(api.statusCode, 200)
  })

  test('a build made while the server runs is served on the next request', async () => {
    const late = path.join(dir, 'late')
    const app = await appServing(late)
    try {
      assert.equal((await app.inject({ method: 'GET', url: '/' })).statusCode, 503)
      fs.mkdirSync(path.join(late, 'assets'), { recursive: true })
      fs.writeFileSync(path.join(late, 'index.html'), '<p>new</p>')
      const res = await app.inject({ method: 'GET', url: '/' })
      assert.equal(res.statusCode, 200)
      assert.equal(res.body, '<p>new</p>')
    } finally {
      await app.close()
    }
  })
})
