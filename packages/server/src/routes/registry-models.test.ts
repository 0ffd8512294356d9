import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DIALECTS } from '../testing/databases.js'
import { createTestApp, type TestApp } from '../testing/test-app.js'
import { registryClient } from './registry-fixtures.js'

for (const dialect of DIALECTS) {
  describe(`registered models API (${dialect})`, () => {
    let t: TestApp
    let api: ReturnType<typeof registryClient>
    before(async () => {
      t = await createTestApp(dialect)
      api = registryClient(t.app, { 'x-railyard-user': 'alice' })
    })
    after(() => t.dispose())

    const allModels = async () => (await api.mlflow('GET', '/registered-models/search', { max_results: 1000 })).body

    test('create and get: MLflow shape, tags, description', async () => {
      const created = await api.mlflow('POST', '/registered-models/create', {
        name: 'churn',
        description: 'predicts churn',
        tags: [{ key: 'team', value: 'growth' }],
      })
      assert.equal(created.status, 200)
      const m = created.body.registered_model
      assert.deepEqual(Object.keys(m).sort(), ['creation_timestamp', 'description', 'last_updated_timestamp', 'name', 'tags'])
      assert.equal(m.name, 'churn')
      assert.equal(m.description, 'predicts churn')
      assert.deepEqual(m.tags, [{ key: 'team', value: 'growth' }])
      assert.equal(typeof m.creation_timestamp, 'number')
      assert.equal(m.creation_timestamp, m.last_updated_timestamp)

      const got = await api.mlflow('GET', '/registered-models/get', { name: 'churn' })
      assert.equal(got.status, 200)
      assert.deepEqual(got.body, created.body)
      const viaAjax = await api.ajax('GET', '/registered-models/get', { name: 'churn' })
      assert.deepEqual(viaAjax.body, created.body)
      // A model with nothing optional has only the required fields.
      const bare = await api.mlflow('POST', '/registered-models/create', { name: 'bare' })
      assert.deepEqual(Object.keys(bare.body.registered_model).sort(), ['creation_timestamp', 'last_updated_timestamp', 'name'])
    })

    test('duplicate and illegal names are 400 and change nothing', async () => {
      const before = await allModels()
      const dup = await api.mlflow('POST', '/registered-models/create', { name: 'churn' })
      assert.equal(dup.status, 400)
      assert.equal(dup.body.error_code, 'RESOURCE_ALREADY_EXISTS')
      assert.match(dup.body.message, /Registered Model \(name=churn\) already exists/)
      for (const name of ['', 'a/b', 'a:b', 'x\u0001y', 'n'.repeat(257)]) {
        const res = await api.mlflow('POST', '/registered-models/create', { name })
        assert.equal(res.status, 400, name)
        assert.equal(res.body.error_code, 'INVALID_PARAMETER_VALUE', name)
      }
      const missing = await api.mlflow('POST', '/registered-models/create', {})
      assert.equal(missing.status, 400)
      assert.match(missing.body.message, /Missing value for required parameter 'name'/)
      const wrongType = await api.mlflow('POST', '/registered-models/create', { name: 5 })
      assert.equal(wrongType.body.error_code, 'INVALID_PARAMETER_VALUE')
      const badTag = await api.mlflow('POST', '/registered-models/create', { name: 'tagged', tags: [{ key: 'k'.repeat(251), value: 'v' }] })
      assert.equal(badTag.status, 400)
      assert.deepEqual(await allModels(), before)
    })

    test('unknown models are RESOURCE_DOES_NOT_EXIST (404)', async () => {
      for (const [method, path, body] of [
        ['GET', '/registered-models/get', { name: 'nope' }],
        ['POST', '/registered-models/rename', { name: 'nope', new_name: 'x' }],
        ['PATCH', '/registered-models/update', { name: 'nope', description: 'x' }],
        ['DELETE', '/registered-models/delete', { name: 'nope' }],
        ['POST', '/registered-models/set-tag', { name: 'nope', key: 'k', value: 'v' }],
        ['POST', '/registered-models/get-latest-versions', { name: 'nope' }],
      ] as const) {
        const res = await api.mlflow(method, path, body)
        assert.equal(res.status, 404, path)
        assert.deepEqual(res.body, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Registered Model with name=nope not found' })
      }
    })

    test('rename keeps everything and refuses taken or illegal names', async () => {
      await api.mlflow('POST', '/registered-models/create', { name: 'old', tags: [{ key: 'k', value: 'v' }] })
      const renamed = await api.mlflow('POST', '/registered-models/rename', { name: 'old', new_name: 'new' })
      assert.equal(renamed.status, 200)
      assert.equal(renamed.body.registered_model.name, 'new')
      assert.deepEqual(renamed.body.registered_model.tags, [{ key: 'k', value: 'v' }])
      assert.equal((await api.mlflow('GET', '/registered-models/get', { name: 'old' })).status, 404)

      const before = await allModels()
      const taken = await api.mlflow('POST', '/registered-models/rename', { name: 'new', new_name: 'churn' })
      assert.equal(taken.status, 400)
      assert.equal(taken.body.error_code, 'RESOURCE_ALREADY_EXISTS')
      const illegal = await api.mlflow('POST', '/registered-models/rename', { name: 'new', new_name: 'a/b' })
      assert.equal(illegal.body.error_code, 'INVALID_PARAMETER_VALUE')
      assert.deepEqual(await allModels(), before)
    })

    test('update sets the description (PATCH) and the audit log records it', async () => {
      const res = await api.mlflow('PATCH', '/registered-models/update', { name: 'churn', description: 'v2 text', reason: 'clarify' })
      assert.equal(res.status, 200)
      assert.equal(res.body.registered_model.description, 'v2 text')
      assert.ok(res.body.registered_model.last_updated_timestamp >= res.body.registered_model.creation_timestamp)
      const audit = await api.railyard('GET', '/registered-models/audit', { name: 'churn' })
      assert.equal(audit.status, 200)
      const entry = audit.body.entries.at(-1)
      assert.deepEqual(
        { action: entry.action, from: entry.from, to: entry.to, who: entry.who, reason: entry.reason, name: entry.name },
        { action: 'registered_model.description', from: 'predicts churn', to: 'v2 text', who: 'alice', reason: 'clarify', name: 'churn' },
      )
      assert.equal(typeof entry.timestamp, 'number')
    })

    test('tags: set, overwrite, delete with a JSON body on DELETE', async () => {
      assert.deepEqual((await api.mlflow('POST', '/registered-models/set-tag', { name: 'churn', key: 'stage', value: 'a' })).body, {})
      await api.mlflow('POST', '/registered-models/set-tag', { name: 'churn', key: 'stage', value: 'b' })
      let tags = (await api.mlflow('GET', '/registered-models/get', { name: 'churn' })).body.registered_model.tags
      assert.deepEqual(tags, [{ key: 'stage', value: 'b' }, { key: 'team', value: 'growth' }])
      const del = await api.mlflow('DELETE', '/registered-models/delete-tag', { name: 'churn', key: 'stage' })
      assert.equal(del.status, 200)
      tags = (await api.mlflow('GET', '/registered-models/get', { name: 'churn' })).body.registered_model.tags
      assert.deepEqual(tags, [{ key: 'team', value: 'growth' }])
      const badKey = await api.mlflow('POST', '/registered-models/set-tag', { name: 'churn', key: '../x', value: 'v' })
      assert.equal(badKey.status, 400)
      const long = await api.mlflow('POST', '/registered-models/set-tag', { name: 'churn', key: 'k', value: 'v'.repeat(100_001) })
      assert.equal(long.status, 400)
    })

    test('search: filters, order, pages, limits', async () => {
      for (const name of ['search-a', 'search-b', 'Search-C']) {
        await api.mlflow('POST', '/registered-models/create', { name, tags: [{ key: 'group', value: name.slice(-1).toLowerCase() }] })
      }
      const names = (r: { body: { registered_models?: Array<{ name: string }> } }) => (r.body.registered_models ?? []).map((m) => m.name)
      assert.deepEqual(names(await api.mlflow('GET', '/registered-models/search', { filter: "name = 'search-a'" })), ['search-a'])
      assert.deepEqual(names(await api.mlflow('GET', '/registered-models/search', { filter: "name LIKE 'search-%'" })), ['search-a', 'search-b'])
      assert.deepEqual(names(await api.mlflow('GET', '/registered-models/search', { filter: "name ILIKE 'search-%'" })), [
        'Search-C',
        'search-a',
        'search-b',
      ])
      assert.deepEqual(names(await api.mlflow('GET', '/registered-models/search', { filter: "tags.group = 'b'" })), ['search-b'])
      assert.deepEqual(
        names(await api.mlflow('GET', '/registered-models/search', { filter: "name ILIKE 'search%' AND tags.group != 'b'" })),
        ['Search-C', 'search-a'],
      )
      assert.deepEqual(names(await api.mlflow('GET', '/registered-models/search', { filter: "tags.group IS NULL AND name LIKE 'ch%'" })), ['churn'])
      assert.equal(names(await api.mlflow('GET', '/registered-models/search', { filter: "name ILIKE 'search%' AND tags.group IS NOT NULL" })).length, 3)
      const desc = await api.mlflow('GET', '/registered-models/search', { filter: "name ILIKE 'search%'", order_by: ['name DESC'] })
      assert.deepEqual(names(desc), ['search-b', 'search-a', 'Search-C'])
      const newest = await api.mlflow('GET', '/registered-models/search', {
        filter: "name ILIKE 'search%'",
        order_by: ['creation_timestamp DESC', 'name ASC'],
      })
      assert.equal(names(newest).length, 3)

      const first = await api.mlflow('GET', '/registered-models/search', { filter: "name ILIKE 'search%'", max_results: 2 })
      assert.deepEqual(names(first), ['Search-C', 'search-a'])
      assert.equal(typeof first.body.next_page_token, 'string')
      const second = await api.mlflow('GET', '/registered-models/search', {
        filter: "name ILIKE 'search%'",
        max_results: 2,
        page_token: first.body.next_page_token,
      })
      assert.deepEqual(names(second), ['search-b'])
      assert.equal(second.body.next_page_token, undefined)
      assert.deepEqual((await api.mlflow('GET', '/registered-models/search', { filter: "name = 'none'" })).body, {})

      for (const query of [
        { max_results: 1001 },
        { max_results: 0 },
        { filter: "name = 'a' OR name = 'b'" },
        { filter: "description = 'x'" },
        { filter: 'name = ' },
        { order_by: ['description ASC'] },
        { page_token: 'not base64 json' },
      ]) {
        const res = await api.mlflow('GET', '/registered-models/search', query)
        assert.equal(res.status, 400, JSON.stringify(query))
        assert.equal(res.body.error_code, 'INVALID_PARAMETER_VALUE')
      }
    })

    test('delete takes a JSON body, removes the model, keeps its audit log', async () => {
      await api.mlflow('POST', '/registered-models/create', { name: 'doomed' })
      await api.mlflow('PATCH', '/registered-models/update', { name: 'doomed', description: 'soon gone' })
      const del = await api.mlflow('DELETE', '/registered-models/delete', { name: 'doomed', reason: 'retired' })
      assert.equal(del.status, 200)
      assert.deepEqual(del.body, {})
      assert.equal((await api.mlflow('GET', '/registered-models/get', { name: 'doomed' })).status, 404)
      const audit = await api.railyard('GET', '/registered-models/audit', { name: 'doomed' })
      assert.deepEqual(
        audit.body.entries.map((e: { action: string }) => e.action),
        ['registered_model.description', 'registered_model.deleted'],
      )
      assert.equal(audit.body.entries[1].reason, 'retired')
      // The name is free again, with a fresh history.
      await api.mlflow('POST', '/registered-models/create', { name: 'doomed' })
      assert.deepEqual((await api.railyard('GET', '/registered-models/audit', { name: 'doomed' })).body, {})
      assert.equal((await api.railyard('GET', '/registered-models/audit', { name: 'never-existed' })).status, 404)
    })
  })
}
