import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import os from 'node:os'
import { DIALECTS } from '../testing/databases.js'
import { createTestApp, type TestApp } from '../testing/test-app.js'
import { registryClient, trainRun } from './registry-fixtures.js'

interface Entry {
  action: string
  version?: string
  subject?: string
  from?: string
  to?: string
  who: string
  reason?: string
}

for (const dialect of DIALECTS) {
  describe(`aliases and the audit log (${dialect})`, () => {
    let t: TestApp
    let api: ReturnType<typeof registryClient>
    let anonymous: ReturnType<typeof registryClient>
    before(async () => {
      t = await createTestApp(dialect)
      api = registryClient(t.app, { 'x-railyard-user': 'dana' })
      anonymous = registryClient(t.app)
      const run = await trainRun(t.app)
      await api.mlflow('POST', '/registered-models/create', { name: 'fraud' })
      for (let i = 0; i < 3; i++) {
        const res = await api.mlflow('POST', '/model-versions/create', { name: 'fraud', source: `runs:/${run.runId}/model` })
        assert.equal(res.body.model_version.status, 'READY')
      }
    })
    after(() => t.dispose())

    const aliasEntries = async (): Promise<Entry[]> =>
      (await api.railyard('GET', '/registered-models/audit', { name: 'fraud' })).body.entries.filter((e: Entry) => e.action.startsWith('alias.'))
    const snapshot = async () => ({
      model: (await api.mlflow('GET', '/registered-models/get', { name: 'fraud' })).body,
      audit: (await api.railyard('GET', '/registered-models/audit', { name: 'fraud' })).body,
    })

    test('set, read, move and delete an alias; every change is audited', async () => {
      const set = await api.mlflow('POST', '/registered-models/alias', { name: 'fraud', alias: 'champion', version: '1', reason: 'first release' })
      assert.equal(set.status, 200)
      assert.deepEqual(set.body, {})
      const byAlias = await api.mlflow('GET', '/registered-models/alias', { name: 'fraud', alias: 'champion' })
      assert.equal(byAlias.status, 200)
      assert.equal(byAlias.body.model_version.version, '1')
      assert.deepEqual(byAlias.body.model_version.aliases, ['champion'])
      let model = (await api.mlflow('GET', '/registered-models/get', { name: 'fraud' })).body.registered_model
      assert.deepEqual(model.aliases, [{ alias: 'champion', version: '1' }])

      await api.mlflow('POST', '/registered-models/alias', { name: 'fraud', alias: 'champion', version: 2, reason: 'better auc' })
      await anonymous.mlflow('POST', '/registered-models/alias', { name: 'fraud', alias: 'challenger', version: '3' })
      assert.equal((await api.mlflow('GET', '/registered-models/alias', { name: 'fraud', alias: 'champion' })).body.model_version.version, '2')
      const v1 = await api.mlflow('GET', '/model-versions/get', { name: 'fraud', version: '1' })
      assert.equal(v1.body.model_version.aliases, undefined)
      model = (await api.mlflow('GET', '/registered-models/get', { name: 'fraud' })).body.registered_model
      assert.deepEqual(model.aliases, [
        { alias: 'challenger', version: '3' },
        { alias: 'champion', version: '2' },
      ])

      const del = await api.mlflow('DELETE', '/registered-models/alias', { name: 'fraud', alias: 'challenger', reason: 'lost the test' })
      assert.equal(del.status, 200)
      assert.deepEqual(del.body, {})
      const gone = await api.mlflow('GET', '/registered-models/alias', { name: 'fraud', alias: 'challenger' })
      assert.equal(gone.status, 400)
      assert.deepEqual(gone.body, { error_code: 'INVALID_PARAMETER_VALUE', message: 'Registered model alias challenger not found.' })

      const entries = await aliasEntries()
      assert.deepEqual(
        entries.map((e) => ({ action: e.action, subject: e.subject, version: e.version, from: e.from, to: e.to, who: e.who, reason: e.reason })),
        [
          { action: 'alias.set', subject: 'champion', version: '1', from: undefined, to: '1', who: 'dana', reason: 'first release' },
          { action: 'alias.set', subject: 'champion', version: '2', from: '1', to: '2', who: 'dana', reason: 'better auc' },
          { action: 'alias.set', subject: 'challenger', version: '3', from: undefined, to: '3', who: os.userInfo().username, reason: undefined },
          { action: 'alias.deleted', subject: 'challenger', version: '3', from: '3', to: undefined, who: 'dana', reason: 'lost the test' },
        ],
      )
      // Deleting an alias that is not set changes nothing and records nothing (MLflow answers {} too).
      assert.equal((await api.mlflow('DELETE', '/registered-models/alias', { name: 'fraud', alias: 'challenger' })).status, 200)
      assert.equal((await aliasEntries()).length, 4)
    })

    test('models:/NAME@ALIAS and the other model URIs resolve', async () => {
      const resolve = (uri: string) => api.railyard('GET', '/model-versions/resolve', { uri })
      assert.equal((await resolve('models:/fraud@champion')).body.model_version.version, '2')
      assert.equal((await resolve('models:/fraud/1')).body.model_version.version, '1')
      assert.equal((await resolve('models:/fraud/latest')).body.model_version.version, '3')
      await api.mlflow('POST', '/model-versions/transition-stage', { name: 'fraud', version: '1', stage: 'Production', archive_existing_versions: false })
      assert.equal((await resolve('models:/fraud/production')).body.model_version.version, '1')
      assert.equal((await resolve('models:/fraud@nobody')).status, 404)
      assert.equal((await resolve('models:/fraud/Staging')).status, 404)
      assert.equal((await resolve('runs:/abc/model')).status, 400)
      // A version registered from an alias is a copy of what the alias named then.
      await api.mlflow('POST', '/registered-models/create', { name: 'fraud-edge' })
      const copy = await api.mlflow('POST', '/model-versions/create', { name: 'fraud-edge', source: 'models:/fraud@champion' })
      assert.equal(copy.status, 200)
      const lineage = await api.railyard('GET', '/model-versions/lineage', { name: 'fraud-edge', version: '1' })
      assert.deepEqual(lineage.body.copied_from, { name: 'fraud', version: '2' })
    })

    test('bad aliases and targets are clear 4xx and change nothing', async () => {
      const before = await snapshot()
      const cases: Array<[Record<string, unknown>, number, RegExp]> = [
        [{ name: 'fraud', alias: 'latest', version: '1' }, 400, /reserved/],
        [{ name: 'fraud', alias: 'LaTeSt', version: '1' }, 400, /reserved/],
        [{ name: 'fraud', alias: 'v1', version: '1' }, 400, /reserved/],
        [{ name: 'fraud', alias: 'V42', version: '1' }, 400, /reserved/],
        [{ name: 'fraud', alias: 'has space', version: '1' }, 400, /Invalid alias name/],
        [{ name: 'fraud', alias: 'a/b', version: '1' }, 400, /Invalid alias name/],
        [{ name: 'fraud', alias: '', version: '1' }, 400, /cannot be empty/],
        [{ name: 'fraud', alias: 'x'.repeat(256), version: '1' }, 400, /length limit/],
        [{ name: 'fraud', alias: 'prod', version: 'one' }, 400, /must be an integer/],
        [{ name: 'fraud', alias: 'prod', version: '99' }, 404, /Model Version \(name=fraud, version=99\) not found/],
        [{ name: 'nope', alias: 'prod', version: '1' }, 404, /Registered Model with name=nope not found/],
        [{ name: 'fraud', alias: 'prod', version: '1', reason: 'r'.repeat(5001) }, 400, /reason/],
        [{ name: 'fraud', alias: 'prod' }, 400, /version/],
      ]
      for (const [body, status, message] of cases) {
        const res = await api.mlflow('POST', '/registered-models/alias', body)
        assert.equal(res.status, status, JSON.stringify(body).slice(0, 100))
        assert.match(res.body.message, message, JSON.stringify(body).slice(0, 100))
      }
      assert.equal((await api.mlflow('GET', '/registered-models/alias', { name: 'nope', alias: 'x' })).status, 404)
      assert.equal((await api.mlflow('DELETE', '/registered-models/alias', { name: 'nope', alias: 'x' })).status, 404)
      assert.equal((await api.mlflow('DELETE', '/registered-models/alias', { name: 'fraud', alias: 'bad alias' })).status, 400)
      assert.deepEqual(await snapshot(), before)
    })

    test('deleting a version removes its aliases (audited) and refuses new ones', async () => {
      await api.mlflow('POST', '/registered-models/alias', { name: 'fraud', alias: 'shadow', version: '3' })
      await api.mlflow('DELETE', '/model-versions/delete', { name: 'fraud', version: '3', reason: 'leak' })
      const model = (await api.mlflow('GET', '/registered-models/get', { name: 'fraud' })).body.registered_model
      assert.deepEqual(model.aliases, [{ alias: 'champion', version: '2' }])
      const tail = (await aliasEntries()).slice(-2)
      assert.deepEqual(
        tail.map((e) => [e.action, e.subject, e.from, e.to, e.reason]),
        [
          ['alias.set', 'shadow', undefined, '3', undefined],
          ['alias.deleted', 'shadow', '3', undefined, 'leak'],
        ],
      )

      const before = await snapshot()
      const onDeleted = await api.mlflow('POST', '/registered-models/alias', { name: 'fraud', alias: 'shadow', version: '3' })
      assert.equal(onDeleted.status, 404)
      assert.match(onDeleted.body.message, /Model Version \(name=fraud, version=3\) not found/)
      assert.deepEqual(await snapshot(), before)
    })

    test('deleting the model records the removal of every alias', async () => {
      await api.mlflow('DELETE', '/registered-models/delete', { name: 'fraud', reason: 'replaced' })
      const entries = (await api.railyard('GET', '/registered-models/audit', { name: 'fraud' })).body.entries as Entry[]
      assert.deepEqual(
        entries.slice(-2).map((e) => [e.action, e.subject, e.from, e.reason]),
        [
          ['alias.deleted', 'champion', '2', 'replaced'],
          ['registered_model.deleted', undefined, 'fraud', 'replaced'],
        ],
      )
    })
  })
}
