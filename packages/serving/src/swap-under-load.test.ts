import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { createTestApp, type TestApp } from '@railyard/server/testing/test-app.js'
import { RailyardClient, registryOf } from '@railyard/sdk'
import { serveModel, type ModelServer } from './serve.js'
import { registerTinyModel } from './testing/tiny-models.js'
import { generateLoad, type LoadResponse } from './testing/load-generator.js'

describe('swapping versions under concurrent load (sqlite)', () => {
  let tracking: TestApp
  let work: string
  let server: ModelServer | undefined

  before(async () => {
    tracking = await createTestApp('sqlite')
    await tracking.app.listen({ host: '127.0.0.1', port: 0 })
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-serving-load-'))
  })
  after(async () => {
    await server?.close()
    await tracking?.dispose()
    fs.rmSync(work, { recursive: true, force: true })
  })

  test('no request fails, and every answer comes wholly from the version its header names', async () => {
    const trackingUri = `http://127.0.0.1:${(tracking.app.server.address() as AddressInfo).port}`
    const client = new RailyardClient({ trackingUri, retries: { retries: 1, baseDelayMs: 10 } })
    const registry = registryOf(client)
    const closeLog = path.join(work, 'closed.log')
    // Each version multiplies by its own factor; a few ms per call keeps requests in flight during swaps.
    const factors: Record<string, number> = {}
    for (const factor of [2, 3, 5]) {
      const v = await registerTinyModel(client, 'tiny', path.join(work, `f${factor}`), { factor, delayMs: 3, closeLog })
      factors[v] = factor
    }
    const versions = Object.keys(factors)
    await registry.setAlias('tiny', 'prod', versions[0])
    server = await serveModel({ model: 'models:/tiny@prod', port: 0, client, cacheDir: path.join(work, 'cache'), pollIntervalMs: 10, log: () => undefined })

    const served = [versions[0]]
    const answers: LoadResponse[] = []
    let stopLoad!: () => void
    const load = generateLoad({
      url: `${server.url}/invocations`,
      connections: 8,
      body: (n) => JSON.stringify({ inputs: [{ x: 100 + n }, { x: 100.5 + n }] }),
      stop: new Promise<void>((resolve) => (stopLoad = resolve)),
      onResponse: (r) => answers.push(r),
    })
    // Nine swaps through the three versions while the load runs.
    for (let i = 1; i <= 9; i++) {
      const next = versions[i % versions.length]
      await registry.setAlias('tiny', 'prod', next)
      const deadline = Date.now() + 10_000
      while (server.slot!.current!.target.version !== next) {
        assert.ok(Date.now() < deadline, `version ${next} never became current`)
        await new Promise((r) => setTimeout(r, 5))
      }
      served.push(next)
      await new Promise((r) => setTimeout(r, 60))
    }
    stopLoad()
    const result = await load

    assert.equal(result.failed, 0, JSON.stringify(answers.filter((a) => a.status !== 200).slice(0, 3)))
    assert.ok(result.requests > 200, `only ${result.requests} requests`)
    const seen = new Set<string>()
    for (const a of answers) {
      assert.ok(a.version && served.includes(a.version), `version ${a.version} was never current`)
      seen.add(a.version)
      const xs = (JSON.parse(a.sent).inputs as Array<{ x: number }>).map((r) => r.x)
      assert.deepEqual(JSON.parse(a.body), { predictions: xs.map((x) => ({ y: x * factors[a.version!] })) }, 'the answer came from the version named in its header')
    }
    assert.deepEqual([...seen].sort(), [...versions].sort(), 'each version answered some requests')
    assert.equal(server.slot!.swaps, 10)

    // Every retired version was closed, and only after its last request had finished.
    await new Promise((r) => setTimeout(r, 50))
    const closed = fs.readFileSync(closeLog, 'utf8').trim().split('\n')
    assert.equal(closed.length, 9)
    assert.ok(closed.every((line) => / 0$/.test(line)), closed.join('\n'))
  })
})
