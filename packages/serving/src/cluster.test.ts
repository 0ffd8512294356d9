import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { AddressInfo } from 'node:net'
import { createTestApp, type TestApp } from '@railyard/server/testing/test-app.js'
import { RailyardClient, registryOf } from '@railyard/sdk'
import { registerTinyModel } from './testing/tiny-models.js'

const BIN = fileURLToPath(new URL('../../cli/bin/railyard.js', import.meta.url))

/** One request on a fresh connection, so the cluster can hand it to either worker. */
function get(url: string): Promise<{ status: number; body: any; version?: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, timeout: 5000 }, (res) => {
        let text = ''
        res.setEncoding('utf8').on('data', (d) => (text += d))
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text), version: res.headers['x-railyard-model-version'] as string }))
      })
      .on('timeout', function (this: http.ClientRequest) {
        this.destroy(new Error(`no answer from ${url} in 5 s`))
      })
      .on('error', reject)
  })
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('railyard serve --workers 2 (the real CLI, node:cluster)', () => {
  let tracking: TestApp
  let trackingUri: string
  let work: string
  let cli: ChildProcess | undefined
  let output = ''

  before(async () => {
    tracking = await createTestApp('sqlite')
    await tracking.app.listen({ host: '127.0.0.1', port: 0 })
    trackingUri = `http://127.0.0.1:${(tracking.app.server.address() as AddressInfo).port}`
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-serving-cluster-'))
  })

  after(async () => {
    if (cli && cli.exitCode === null) cli.kill('SIGKILL')
    await tracking?.dispose()
    fs.rmSync(work, { recursive: true, force: true })
  })

  test('both workers serve, converge on the new version when the alias moves, and stop on SIGTERM', async () => {
    const client = new RailyardClient({ trackingUri, retries: { retries: 1, baseDelayMs: 10 } })
    const v1 = await registerTinyModel(client, 'tiny', path.join(work, 'v1'), { factor: 2 })
    const v2 = await registerTinyModel(client, 'tiny', path.join(work, 'v2'), { factor: 3 })
    await registryOf(client).setAlias('tiny', 'prod', v1)

    const args = ['serve', '--model', 'models:/tiny@prod', '--workers', '2', '--port', '0', '--poll-interval', '200ms', '--tracking-uri', trackingUri]
    cli = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, RAILYARD_MODEL_CACHE: path.join(work, 'cache'), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    cli.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d))
    cli.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d))
    const exited = new Promise<number | null>((resolve) => cli!.on('exit', (code) => resolve(code)))
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "Serving" line in 30 s:\n${output}`)), 30_000)
      const check = () => {
        const m = /Serving models:\/tiny@prod \(tiny version 1\) at (http:\/\/\S+) with 2 workers/.exec(output)
        if (m) {
          clearTimeout(timer)
          resolve(m[1])
        }
      }
      cli!.stdout!.on('data', check)
      cli!.on('exit', () => reject(new Error(`the CLI exited:\n${output}`)))
    })

    const pids = new Set<number>()
    for (let i = 0; i < 12; i++) {
      const h = await get(`${url}/health`)
      assert.equal(h.status, 200)
      assert.equal(h.body.model.version, v1)
      pids.add(h.body.pid)
    }
    assert.equal(pids.size, 2, 'requests reach both workers')

    await registryOf(client).setAlias('tiny', 'prod', v2)
    const deadline = Date.now() + 10_000
    while ((await get(`${url}/version`)).version !== v2) {
      assert.ok(Date.now() < deadline, `version 2 never served:\n${output}`)
      await new Promise((r) => setTimeout(r, 20))
    }
    // The primary commits on both workers at once: from here on, every worker answers with version 2.
    const seen = new Set<number>()
    for (let i = 0; i < 12; i++) {
      const h = await get(`${url}/health`)
      assert.equal(h.body.model.version, v2, `worker ${h.body.pid} still serves ${h.body.model.version}`)
      seen.add(h.body.pid)
    }
    assert.deepEqual([...seen].sort(), [...pids].sort())

    // A crashed worker is replaced by one that loads the current version before taking connections.
    const [victim, survivor] = [...pids]
    process.kill(victim, 'SIGKILL')
    let replacement: number | undefined
    const until = Date.now() + 30_000
    while (replacement === undefined) {
      assert.ok(Date.now() < until, `no replacement worker:\n${output}`)
      // A connection the primary handed to the killed worker just before it noticed is lost: one of
      // these may time out (the crash, not a swap, is to blame).
      const h = await get(`${url}/health`).catch(() => undefined)
      if (!h) continue
      assert.equal(h.status, 200)
      assert.equal(h.body.model.version, v2)
      if (h.body.pid !== victim && h.body.pid !== survivor) replacement = h.body.pid
    }
    assert.match(output, new RegExp(`worker ${victim} exited \\(SIGKILL\\); starting another`))
    pids.delete(victim)
    pids.add(replacement)

    cli.kill('SIGTERM')
    assert.equal(await exited, 0, output)
    await new Promise((r) => setTimeout(r, 100))
    for (const pid of pids) assert.equal(alive(pid), false, `worker ${pid} outlived the CLI`)
  })
})
