import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { RailyardClient } from './client.js'
import { registryOf } from './models/registry-client.js'
import { identityHeadersFromEnv } from './config.js'
import { startTestServer, type TestServer } from './testing/server.js'

let server: TestServer
before(async () => {
  server = await startTestServer('sqlite')
})
after(() => server.close())

test('the audit trail names the user from RAILYARD_USER, else the OS user', async () => {
  assert.deepEqual(identityHeadersFromEnv({ RAILYARD_USER: 'ada' }), { 'x-railyard-user': 'ada' })
  assert.ok(identityHeadersFromEnv({})['x-railyard-user'], 'the OS user is used when RAILYARD_USER is unset')

  const previous = process.env.RAILYARD_USER
  process.env.RAILYARD_USER = 'grace'
  try {
    const client = new RailyardClient({ trackingUri: server.url, retries: 0 })
    const registry = registryOf(client)
    await registry.createModel('audited')
    const run = await client.runs.create({ experiment_id: '0' })
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'identity-'))
    fs.writeFileSync(path.join(dir, 'MLmodel'), 'flavors: {}\n')
    await client.artifacts.upload(run.info.run_id, path.join(dir, 'MLmodel'), 'model')
    await registry.createVersion({ name: 'audited', source: `${run.info.artifact_uri}/model`, runId: run.info.run_id })
    await registry.setAlias('audited', 'production', '1')
    const { items } = await registry.audit('audited')
    const aliasSet = items.find((e) => e.action === 'alias.set')
    assert.equal(aliasSet?.who, 'grace')
  } finally {
    if (previous === undefined) delete process.env.RAILYARD_USER
    else process.env.RAILYARD_USER = previous
  }
})
