import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { createTestApp, type TestApp } from '@railyard/server/testing/test-app.js'
import { RailyardClient, registryOf, type ModelRegistryClient } from '@railyard/sdk'
import { serveModel, type ModelServer } from './serve.js'
import { registerTinyModel } from './testing/tiny-models.js'
import { SERVING_ERROR_TAG } from './follower.js'

interface Answer {
  status: number
  body: any
  version: string | null
  name: string | null
}

async function send(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init)
  const text = await res.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // text endpoints
  }
  return { status: res.status, body, version: res.headers.get('x-railyard-model-version'), name: res.headers.get('x-railyard-model-name') }
}

const postJson = (url: string, body: unknown) =>
  send(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const got = await probe()
    if (got !== undefined) return got
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

describe('railyard serving against a tracking server (sqlite)', () => {
  let tracking: TestApp
  let client: RailyardClient
  let registry: ModelRegistryClient
  let work: string
  let server: ModelServer
  let url: string
  const logs: string[] = []
  const versions: Record<string, string> = {}

  before(async () => {
    tracking = await createTestApp('sqlite')
    await tracking.app.listen({ host: '127.0.0.1', port: 0 })
    const { port } = tracking.app.server.address() as AddressInfo
    client = new RailyardClient({ trackingUri: `http://127.0.0.1:${port}`, retries: { retries: 1, baseDelayMs: 10 } })
    registry = registryOf(client)
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-serving-'))
    versions.double = await registerTinyModel(client, 'tiny', path.join(work, 'v1'), { factor: 2 })
    versions.triple = await registerTinyModel(client, 'tiny', path.join(work, 'v2'), { factor: 3 })
    versions.noLoad = await registerTinyModel(client, 'tiny', path.join(work, 'v3'), { factor: 4, throwOnLoad: true })
    versions.badExample = await registerTinyModel(client, 'tiny', path.join(work, 'v4'), { factor: 5, breakExample: true })
    await registry.setAlias('tiny', 'prod', versions.double)
    server = await serveModel({
      model: 'models:/tiny@prod',
      port: 0,
      client,
      cacheDir: path.join(work, 'cache'),
      // Long enough that the webhook test sees the push, not a poll, move the version.
      pollIntervalMs: 60_000,
      webhookSecret: 'serving-s3cret',
      log: (level, message) => logs.push(`${level}: ${message}`),
    })
    url = server.url
  })

  after(async () => {
    await server?.close()
    await tracking?.dispose()
    fs.rmSync(work, { recursive: true, force: true })
  })

  const invocations = (body: unknown) => postJson(`${url}/invocations`, body)

  test('every scoring format answers with the predictions and the serving version in the headers', async () => {
    const formats: unknown[] = [
      { dataframe_split: { columns: ['x'], data: [[1], [2.5]] } },
      { dataframe_records: [{ x: 1 }, { x: 2.5 }] },
      { instances: [{ x: 1 }, { x: 2.5 }] },
      { inputs: [{ x: 1 }, { x: 2.5 }] },
      { inputs: { x: [1, 2.5] } },
      { instances: [1, 2.5] },
    ]
    for (const body of formats) {
      const res = await invocations(body)
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.deepEqual(res.body, { predictions: [{ y: 2 }, { y: 5 }] }, JSON.stringify(body))
      assert.equal(res.version, versions.double)
      assert.equal(res.name, 'tiny')
    }
    const plain = await postJson(`${url}/predict`, [{ x: 4 }, 5])
    assert.deepEqual([plain.status, plain.body, plain.version], [200, [{ y: 8 }, { y: 10 }], versions.double])
    // A byte-order mark (PowerShell, Windows editors) is fine, as it is for MLflow.
    const bom = await send(`${url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `\ufeff${JSON.stringify({ inputs: [{ x: 1 }] })}` })
    assert.deepEqual([bom.status, bom.body], [200, { predictions: [{ y: 2 }] }])
    // MLflow's legacy content type parameter is fine.
    const legacy = await send(`${url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; format=pandas-split' },
      body: JSON.stringify({ dataframe_split: { columns: ['x'], data: [[3]] } }),
    })
    assert.deepEqual(legacy.body, { predictions: [{ y: 6 }] })
  })

  test('ping, health and version describe what is served and where it came from', async () => {
    const ping = await send(`${url}/ping`)
    assert.equal(ping.status, 200)
    const health = await send(`${url}/health`)
    assert.equal(health.status, 200)
    assert.equal(health.body.status, 'ok')
    assert.equal(health.body.model.version, versions.double)
    assert.equal(health.body.model.alias, 'prod')
    assert.equal(health.body.last_swap_error, null)
    const version = await send(`${url}/version`)
    const mv = await registry.getVersion('tiny', versions.double)
    assert.equal(version.body.model_name, 'tiny')
    assert.equal(version.body.model_version, versions.double)
    assert.equal(version.body.run_id, mv.run_id)
    assert.equal(version.body.alias, 'prod')
    assert.equal(version.body.model_uri, 'models:/tiny@prod')
    assert.equal(version.body.flavor, 'railyard_js')
    assert.deepEqual(version.body.dataset_versions, [
      { name: 'numbers', digest: 'd2', source_type: 'local', source: '{"uri": "file:///numbers"}', context: 'training' },
    ])
    assert.ok(Date.parse(version.body.loaded_since) <= Date.now())
  })

  test('malformed requests are 400s naming the problem, and the server keeps serving', async () => {
    const cases: Array<[RequestInit, RegExp]> = [
      [{ method: 'POST' }, /no body/],
      [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: '' }, /body is empty/],
      [{ method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x\n1\n' }, /Content-Type must be application\/json \(or text\/csv for POST \/invocations\); got 'text\/plain'/],
      [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"inputs": [1,' }, /not valid JSON/],
      [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dataframe_split: { columns: ['x', 'z'], data: [[1]] } }) }, /data\[0\] has 1 value but there are 2 columns/],
      [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: [1] }) }, /exactly one of the fields/],
      // The model's signature: x is a required double.
      [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [{ x: 1 }, { z: 2 }] }) }, /Input 1 lacks the required column 'x'/],
      [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [{ x: 'one' }] }) }, /column 'x' must be a number; got a string/],
      [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [{ x: 1 }, { x: null }] }) }, /Input 1: column 'x' is empty \(null\), but the model requires a value/],
      // The model itself says the input is wrong (an error with status 400).
      [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [{ x: -1 }] }) }, /rejected the input: x must not be negative/],
    ]
    for (const [init, pattern] of cases) {
      const res = await send(`${url}/invocations`, init)
      assert.equal(res.status, 400, `${init.body}: ${JSON.stringify(res.body)}`)
      assert.equal(res.body.error_code, 'BAD_REQUEST')
      assert.match(res.body.message, pattern)
    }
    const notAList = await postJson(`${url}/predict`, { x: 1 })
    assert.equal(notAList.status, 400)
    assert.match(notAList.body.message, /takes a JSON list/)
    const nowhere = await send(`${url}/nope`)
    assert.equal(nowhere.status, 404)
    assert.equal(nowhere.body.error_code, 'ENDPOINT_NOT_FOUND')
    const wrongMethod = await send(`${url}/invocations`)
    assert.equal(wrongMethod.status, 405)
    assert.equal((await fetch(`${url}/invocations`)).headers.get('allow'), 'POST')
    assert.match(wrongMethod.body.message, /GET \/invocations is not allowed; use POST \/invocations/)
    assert.equal((await invocations({ inputs: [{ x: 1 }] })).status, 200)
    // A trailing slash names the same endpoint (MLflow redirects it).
    const slash = await postJson(`${url}/invocations/`, { inputs: [{ x: 1 }] })
    assert.deepEqual([slash.status, slash.body], [200, { predictions: [{ y: 2 }] }])
    const csv = await send(`${url}/invocations/`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'x\n3\n' })
    assert.deepEqual([csv.status, csv.body], [200, { predictions: [{ y: 6 }] }])
    assert.equal((await postJson(`${url}/predict/`, [{ x: 1 }])).status, 200)
    assert.equal((await send(`${url}/invocations/`)).status, 405)
  })

  test('a model that throws is a 500 with a plain message; the stack goes to the log only', async () => {
    const res = await invocations({ inputs: [{ x: 13 }] })
    assert.equal(res.status, 500)
    assert.deepEqual(res.body, { error_code: 'INTERNAL_ERROR', message: 'The model failed to predict; details are in the server log.' })
    assert.equal(res.version, versions.double)
    assert.ok(logs.some((l) => l.startsWith('error:') && l.includes('model bug: unlucky number') && l.includes('predict.mjs')))
    // A bad input batched with good ones fails only its own request.
    const [good, bad] = await Promise.all([invocations({ inputs: [{ x: 1 }] }), invocations({ inputs: [{ x: 13 }] })])
    assert.deepEqual([good.status, bad.status], [200, 500])
  })

  test("the registry's signed webhook push moves the served version; a wrong signature is refused", async () => {
    const body = JSON.stringify({ id: 'd1', event: 'alias.set', timestamp: Date.now(), data: { name: 'tiny', alias: 'prod', version: versions.triple } })
    const forged = `sha256=${createHmac('sha256', 'guess').update(body).digest('hex')}`
    const refused = await send(`${url}/-/reload`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-railyard-signature': forged }, body })
    assert.equal(refused.status, 401)
    assert.equal(refused.body.error_code, 'UNAUTHENTICATED')
    const unsigned = await send(`${url}/-/reload`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    assert.equal(unsigned.status, 401)

    // The poll interval is a minute: only the push can make the server look before the test ends.
    await registry.callRailyard('createWebhook', { url: `${url}/-/reload`, events: ['alias.set'], secret: 'serving-s3cret' })
    await registry.setAlias('tiny', 'prod', versions.triple)
    const res = await eventually('version 2 to serve', async () => {
      const r = await invocations({ inputs: [{ x: 1 }] })
      return r.version === versions.triple ? r : undefined
    })
    assert.deepEqual(res.body, { predictions: [{ y: 3 }] })
    assert.equal((await send(`${url}/version`)).body.dataset_versions[0].digest, 'd3')
  })

  for (const [label, key, pattern] of [
    ['throws on load', 'noLoad', /failed to load: .*cannot load \(on purpose\)/],
    ['fails its input example check', 'badExample', /failed its check: .*2 inputs gave 1 outputs/],
  ] as const) {
    test(`a new version that ${label} leaves the old one serving and is reported (health, log, registry tag)`, async () => {
      const before = (await invocations({ inputs: [{ x: 1 }] })).version!
      await registry.setAlias('tiny', 'prod', versions[key])
      const health = await eventually('the failure in /health', async () => {
        await pollNow(server)
        const h = await send(`${url}/health`)
        return h.body.last_swap_error?.version === versions[key] ? h : undefined
      })
      assert.equal(health.status, 200)
      assert.equal(health.body.status, 'degraded')
      assert.equal(health.body.model.version, before)
      assert.equal(health.body.wanted_version, versions[key])
      assert.match(health.body.last_swap_error.message, pattern)
      // Named by its version and files, not the cache folder it was downloaded to.
      assert.ok(!health.body.last_swap_error.message.includes(path.join(work, 'cache')), health.body.last_swap_error.message)
      assert.match(health.body.last_swap_error.message, new RegExp(`^tiny version ${versions[key]} failed`))
      assert.equal(health.body.last_swap_error.transient, false)
      assert.ok(logs.some((l) => l.startsWith('error:') && pattern.test(l) && l.includes(`still serving version ${before}`)))
      const res = await invocations({ inputs: [{ x: 1 }] })
      assert.equal(res.status, 200)
      assert.equal(res.version, before)
      const tags = (await registry.getVersion('tiny', versions[key])).tags ?? []
      assert.match(tags.find((t) => t.key === SERVING_ERROR_TAG)?.value ?? '', pattern)
    })
  }

  test('a version that serves well clears a failure tag left by an earlier attempt', async () => {
    // As if another serving process (say, one without a flavor installed) had failed on it.
    await registry.call('setModelVersionTag', { name: 'tiny', version: versions.double, key: SERVING_ERROR_TAG, value: 'an earlier failure' })
    await registry.setAlias('tiny', 'prod', versions.double)
    await eventually('version 1 to serve', async () => {
      await pollNow(server)
      const r = await invocations({ inputs: [{ x: 1 }] })
      return r.version === versions.double ? r : undefined
    })
    const tags = await eventually('the stale tag to go', async () => {
      const t = (await registry.getVersion('tiny', versions.double)).tags ?? []
      return t.some((tag) => tag.key === SERVING_ERROR_TAG) ? undefined : t
    })
    assert.equal(tags.find((t) => t.key === SERVING_ERROR_TAG), undefined)
  })

  test('fixed URIs are served as they are: a version number, a run, a local directory', async () => {
    const mv = await registry.getVersion('tiny', versions.triple)
    const local = path.join(work, 'local-copy')
    fs.cpSync(path.join(work, 'v1'), local, { recursive: true })
    const { saveModel } = await import('@railyard/sdk')
    await saveModel(local, { flavor: 'railyard_js', inputExample: [{ x: 1 }, { x: 2 }], outputExample: [{ y: 1 }, { y: 2 }] })
    const cases: Array<[string, string, string, any[]]> = [
      [`models:/tiny/${versions.triple}`, 'tiny', versions.triple, [{ name: 'numbers', digest: 'd3', source_type: 'local', source: '{"uri": "file:///numbers"}', context: 'training' }]],
      [`runs:/${mv.run_id}/model`, 'model', `run:${mv.run_id}`, [{ name: 'numbers', digest: 'd3', source_type: 'local', source: '{"uri": "file:///numbers"}', context: 'training' }]],
      [local, 'local-copy', 'local', []],
    ]
    for (const [uri, name, version, datasets] of cases) {
      const fixed = await serveModel({ model: uri, port: 0, client, cacheDir: path.join(work, 'cache'), log: () => undefined })
      try {
        const res = await postJson(`${fixed.url}/predict`, [{ x: 2 }])
        assert.deepEqual([res.status, res.name, res.version], [200, name, version], uri)
        const info = (await send(`${fixed.url}/version`)).body
        assert.equal(info.alias, null)
        assert.equal(info.model_uri, uri)
        assert.deepEqual(info.dataset_versions, datasets, uri)
      } finally {
        await fixed.close()
      }
    }
    await assert.rejects(serveModel({ model: 'models:/tiny@nope', port: 0, client, log: () => undefined }), /alias nope of 'tiny' not found/)
  })

  test('polling picks up the alias moving back to a good version', async () => {
    await registry.setAlias('tiny', 'prod', versions.double)
    const res = await eventually('version 1 to serve again', async () => {
      await pollNow(server)
      const r = await invocations({ inputs: [{ x: 1 }] })
      return r.version === versions.double ? r : undefined
    })
    assert.deepEqual(res.body, { predictions: [{ y: 2 }] })
    const health = await send(`${url}/health`)
    assert.equal(health.body.status, 'ok')
  })
})

/** A poll right now, as the webhook would trigger (the test's poll interval is long). */
async function pollNow(server: ModelServer): Promise<void> {
  const body = JSON.stringify({ event: 'alias.set', data: { name: 'tiny' } })
  const sig = `sha256=${createHmac('sha256', 'serving-s3cret').update(body).digest('hex')}`
  await fetch(`${server.url}/-/reload`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-railyard-signature': sig }, body })
}
