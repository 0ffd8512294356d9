import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DIALECTS } from '../testing/databases.js'
import { createTestApp, type TestApp } from '../testing/test-app.js'
import { registryClient, trainRun } from './registry-fixtures.js'

for (const dialect of DIALECTS) {
  describe(`under --auth, a deployed alias moves only through deploy, rollback or an admin token (${dialect})`, () => {
    let t: TestApp
    let writer: ReturnType<typeof registryClient>
    let admin: ReturnType<typeof registryClient>
    const alias = async () => (await writer.mlflow('GET', '/registered-models/alias', { name: 'guarded', alias: 'production' })).body.model_version?.version

    before(async () => {
      t = await createTestApp(dialect, { auth: true })
      const token = async (user: string, role: string) => ({ authorization: `Bearer ${(await t.services.tokens.create({ user, role }, 'test')).value}` })
      const ci = await token('ci', 'write')
      writer = registryClient(t.app, ci)
      admin = registryClient(t.app, await token('ada', 'admin'))
      const run = await trainRun(t.app, { headers: ci })
      await writer.mlflow('POST', '/registered-models/create', { name: 'guarded' })
      for (let i = 0; i < 3; i++) {
        const res = await writer.mlflow('POST', '/model-versions/create', { name: 'guarded', source: `runs:/${run.runId}/model` })
        assert.equal(res.body.model_version.status, 'READY', JSON.stringify(res.body))
      }
    })
    after(() => t.dispose())

    test('an alias deploy never moved is an ordinary alias for a write token', async () => {
      assert.equal((await writer.mlflow('POST', '/registered-models/alias', { name: 'guarded', alias: 'staging', version: '1' })).status, 200)
      assert.equal((await writer.mlflow('DELETE', '/registered-models/alias', { name: 'guarded', alias: 'staging' })).status, 200)
    })

    test("once deployed, set-alias and delete-alias with a write token are 403 naming deploy; deploy itself and an admin token still move it", async () => {
      const first = await writer.railyard('POST', '/gates/record', { name: 'guarded', version: '1', against_alias: 'production', verdict: 'pass' })
      assert.equal(first.status, 200, JSON.stringify(first.body))
      assert.equal((await writer.railyard('POST', '/deployments/deploy', { name: 'guarded', version: '1' })).status, 200)
      assert.equal(await alias(), '1')

      for (const [method, body] of [
        ['POST', { name: 'guarded', alias: 'production', version: '2' }],
        ['DELETE', { name: 'guarded', alias: 'production' }],
      ] as const) {
        const refused = await writer.mlflow(method, '/registered-models/alias', body)
        assert.equal(refused.status, 403, method)
        assert.equal(refused.body.error_code, 'PERMISSION_DENIED')
        assert.equal(
          refused.body.message,
          "Alias 'production' of model 'guarded' is deployed through railyard deploy, which checks the gate: move it with deploy or rollback, or with a token that has the 'admin' role; ci's token has 'write'",
        )
      }
      assert.equal(await alias(), '1', 'nothing moved')

      // Forcing past the gate is an admin's override.
      const forcedByCi = await writer.railyard('POST', '/deployments/deploy', { name: 'guarded', version: '2', force: true, reason: 'hotfix' })
      assert.equal(forcedByCi.status, 403)
      assert.equal(
        forcedByCi.body.message,
        "A forced deploy skips the gate: deploy without force after a passing gate, or force with a token that has the 'admin' role; ci's token has 'write'",
      )
      assert.equal(await alias(), '1')
      const forced = await admin.railyard('POST', '/deployments/deploy', { name: 'guarded', version: '2', force: true, reason: 'hotfix' })
      assert.equal(forced.status, 200, JSON.stringify(forced.body))
      assert.equal((await writer.railyard('POST', '/deployments/rollback', { name: 'guarded' })).status, 200)
      assert.equal(await alias(), '1')
      const byAdmin = await admin.mlflow('POST', '/registered-models/alias', { name: 'guarded', alias: 'production', version: '3', reason: 'incident 42' })
      assert.equal(byAdmin.status, 200, JSON.stringify(byAdmin.body))
      assert.equal(await alias(), '3')
      const audit = (await admin.railyard('GET', '/registered-models/audit', { name: 'guarded' })).body.entries
      assert.deepEqual(audit.at(-1), { ...audit.at(-1), action: 'alias.set', who: 'ada', reason: 'incident 42' })
    })

    test('deleting the deployed version, or deleting or renaming the model, needs admin too; other versions and undeployed models do not', async () => {
      assert.equal(await alias(), '3')
      const deleteVersion = await writer.mlflow('DELETE', '/model-versions/delete', { name: 'guarded', version: '3' })
      assert.equal(deleteVersion.status, 403, JSON.stringify(deleteVersion.body))
      assert.equal(
        deleteVersion.body.message,
        "Version 3 of model 'guarded' is what alias 'production' points to, which railyard deploy moved: deploy or roll back to another version first, or delete it with a token that has the 'admin' role; ci's token has 'write'",
      )
      for (const [method, path, body, change] of [
        ['DELETE', '/registered-models/delete', { name: 'guarded' }, 'delete'],
        ['POST', '/registered-models/rename', { name: 'guarded', new_name: 'guarded-2' }, 'rename'],
      ] as const) {
        const refused = await writer.mlflow(method, path, body)
        assert.equal(refused.status, 403, path)
        assert.equal(refused.body.error_code, 'PERMISSION_DENIED')
        assert.equal(refused.body.message, `Model 'guarded' has aliases railyard deploy moved (production): to ${change} it needs a token that has the 'admin' role; ci's token has 'write'`)
      }
      assert.equal(await alias(), '3', 'nothing moved')
      assert.equal((await writer.mlflow('GET', '/registered-models/get', { name: 'guarded' })).status, 200)

      assert.equal((await writer.mlflow('DELETE', '/model-versions/delete', { name: 'guarded', version: '2' })).status, 200, 'a version no deployed alias points to')
      assert.equal((await writer.mlflow('POST', '/registered-models/create', { name: 'scratch' })).status, 200)
      assert.equal((await writer.mlflow('POST', '/registered-models/rename', { name: 'scratch', new_name: 'scratch-2' })).status, 200)
      assert.equal((await writer.mlflow('DELETE', '/registered-models/delete', { name: 'scratch-2' })).status, 200)
      assert.equal((await writer.mlflow('DELETE', '/registered-models/delete', { name: 'no-such-model' })).status, 404)

      assert.equal((await admin.mlflow('DELETE', '/model-versions/delete', { name: 'guarded', version: '3' })).status, 200)
      assert.equal(await alias(), undefined)
      assert.equal((await admin.mlflow('POST', '/registered-models/rename', { name: 'guarded', new_name: 'guarded-2' })).status, 200)
      assert.equal((await admin.mlflow('DELETE', '/registered-models/delete', { name: 'guarded-2' })).status, 200)
    })
  })
}
