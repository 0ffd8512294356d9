import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { DIALECTS } from '../testing/databases.js'
import { createTestApp, type TestApp } from '../testing/test-app.js'

for (const dialect of DIALECTS) {
  describe(`under --auth, a run's mlflow.user stays its creator's token user (${dialect})`, () => {
    let t: TestApp
    let url: string
    const tokens: Record<string, string> = {}
    const call = async (who: string, path: string, body?: object) => {
      const res = await fetch(`${url}/api/2.0/mlflow${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${tokens[who]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      return { status: res.status, body: await res.json() }
    }
    const tagsOf = async (runId: string) => {
      const { run } = (await call('ci', `/runs/get?run_id=${runId}`)).body
      return Object.fromEntries(run.data.tags.filter((t: { key: string }) => !t.key.startsWith('mlflow.runName')).map((t: { key: string; value: string }) => [t.key, t.value]))
    }

    before(async () => {
      t = await createTestApp(dialect, { auth: true })
      for (const [user, role] of [['ci', 'write'], ['ds', 'write'], ['ada', 'admin']]) tokens[user] = (await t.services.tokens.create({ user, role }, 'test')).value
      await t.app.listen({ host: '127.0.0.1', port: 0 })
      url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
    })
    after(() => t.dispose())

    test('set-tag and log-batch leave it (other tags are written); delete-tag is 403; for every role', async () => {
      const created = await call('ci', '/runs/create', { experiment_id: '0' })
      assert.equal(created.status, 200, JSON.stringify(created.body))
      const runId = created.body.run.info.run_id
      assert.deepEqual(await tagsOf(runId), { 'mlflow.user': 'ci' })

      for (const who of ['ds', 'ci', 'ada']) {
        assert.equal((await call(who, '/runs/set-tag', { run_id: runId, key: 'mlflow.user', value: `not-${who}` })).status, 200)
        const batch = await call(who, '/runs/log-batch', { run_id: runId, tags: [{ key: 'mlflow.user', value: `batch-${who}` }, { key: `by-${who}`, value: 'x' }] })
        assert.equal(batch.status, 200, JSON.stringify(batch.body))
        const deleted = await call(who, '/runs/delete-tag', { run_id: runId, key: 'mlflow.user' })
        assert.equal(deleted.status, 403, who)
        assert.equal(deleted.body.error_code, 'PERMISSION_DENIED')
        assert.equal(deleted.body.message, 'The mlflow.user tag is the user of the token that created the run, and stays with authentication on')
      }
      assert.deepEqual(await tagsOf(runId), { 'mlflow.user': 'ci', 'by-ds': 'x', 'by-ci': 'x', 'by-ada': 'x' })
      assert.equal((await call('ci', `/runs/get?run_id=${runId}`)).body.run.info.user_id, 'ci')
      // An unknown run is still an unknown run.
      assert.equal((await call('ds', '/runs/set-tag', { run_id: 'f'.repeat(32), key: 'mlflow.user', value: 'x' })).status, 404)
    })
  })
}

describe('without --auth, mlflow.user is an ordinary tag (as in MLflow)', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp('sqlite')
  })
  after(() => t.dispose())

  test('set-tag, log-batch and delete-tag change it', async () => {
    const { run } = await t.services.runs.create({ experiment_id: '0', tags: [{ key: 'mlflow.user', value: 'alice' }] })
    const runId = run.info.run_id
    const user = async () => (await t.services.runs.get({ run_id: runId })).data.tags?.find((x) => x.key === 'mlflow.user')?.value
    const send = (path: string, body: object) =>
      t.app.inject({ method: 'POST', url: `/api/2.0/mlflow${path}`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) })
    assert.equal((await send('/runs/set-tag', { run_id: runId, key: 'mlflow.user', value: 'bob' })).statusCode, 200)
    assert.equal(await user(), 'bob')
    assert.equal((await send('/runs/log-batch', { run_id: runId, tags: [{ key: 'mlflow.user', value: 'carol' }] })).statusCode, 200)
    assert.equal(await user(), 'carol')
    assert.equal((await send('/runs/delete-tag', { run_id: runId, key: 'mlflow.user' })).statusCode, 200)
    assert.equal(await user(), undefined)
  })
})
