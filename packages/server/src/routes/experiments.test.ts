import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DIALECTS } from '../testing/databases.js'
import { createTestApp, type TestApp } from '../testing/test-app.js'
import { mlflow } from '../testing/http.js'

for (const dialect of DIALECTS) {
  describe(`experiments API (${dialect})`, () => {
    let t: TestApp
    let api: ReturnType<typeof mlflow>
    before(async () => {
      t = await createTestApp(dialect)
      api = mlflow(t.app)
    })
    after(() => t.dispose())

    test('the Default experiment exists with id 0', async () => {
      const res = await api('GET', '/experiments/get', { experiment_id: '0' })
      assert.equal(res.status, 200)
      assert.equal(res.body.experiment.name, 'Default')
      assert.equal(res.body.experiment.artifact_location, 'mlflow-artifacts:/0')
      assert.equal(res.body.experiment.lifecycle_stage, 'active')
    })

    test('create, get, get-by-name', async () => {
      const created = await api('POST', '/experiments/create', { name: 'tweets', tags: [{ key: 'team', value: 'nlp' }] })
      assert.equal(created.status, 200)
      assert.match(created.body.experiment_id, /^[1-9]\d*$/)
      const id = created.body.experiment_id
      const got = await api('GET', '/experiments/get', { experiment_id: id })
      assert.deepEqual(Object.keys(got.body.experiment).sort(), [
        'artifact_location', 'creation_time', 'experiment_id', 'last_update_time', 'lifecycle_stage', 'name', 'tags',
      ])
      assert.equal(got.body.experiment.artifact_location, `mlflow-artifacts:/${id}`)
      assert.deepEqual(got.body.experiment.tags, [{ key: 'team', value: 'nlp' }])
      assert.equal(typeof got.body.experiment.creation_time, 'number')
      const byName = await api('GET', '/experiments/get-by-name', { experiment_name: 'tweets' })
      assert.equal(byName.body.experiment.experiment_id, id)
    })

    test('duplicate names are RESOURCE_ALREADY_EXISTS, even when deleted', async () => {
      const { body } = await api('POST', '/experiments/create', { name: 'dup' })
      await api('POST', '/experiments/delete', { experiment_id: body.experiment_id })
      const again = await api('POST', '/experiments/create', { name: 'dup' })
      assert.equal(again.status, 400)
      assert.equal(again.body.error_code, 'RESOURCE_ALREADY_EXISTS')
    })

    test('bad input is INVALID_PARAMETER_VALUE and stores nothing', async () => {
      const before = await api('POST', '/experiments/search', { max_results: 1000, view_type: 'ALL' })
      const wrongType = await api('POST', '/experiments/create', { name: 5 })
      assert.equal(wrongType.status, 400)
      assert.equal(wrongType.body.error_code, 'INVALID_PARAMETER_VALUE')
      assert.match(wrongType.body.message, /'name'/)
      const missing = await api('POST', '/experiments/create', {})
      assert.equal(missing.body.error_code, 'INVALID_PARAMETER_VALUE')
      assert.match(missing.body.message, /Missing value for required parameter 'name'/)
      const runsUri = await api('POST', '/experiments/create', { name: 'x', artifact_location: 'runs:/abc' })
      assert.equal(runsUri.status, 400)
      const malformed = await api('POST', '/experiments/create', '{"name": ')
      assert.equal(malformed.status, 400)
      assert.equal(malformed.body.error_code, 'INVALID_PARAMETER_VALUE')
      // Nesting deep enough to exhaust a recursive walk is refused before anything walks it.
      for (const depth of [65, 50_000]) {
        const deep = await api('POST', '/experiments/create', `{"name": ${'['.repeat(depth)}${']'.repeat(depth)}}`)
        assert.equal(deep.status, 400, `depth ${depth}`)
        assert.deepEqual(deep.body, { error_code: 'INVALID_PARAMETER_VALUE', message: 'Malformed JSON request body: nested deeper than 64 levels' })
      }
      const nested = await api('POST', '/experiments/create', { name: 'x', tags: [{ key: 'k', value: { a: { b: [[[null]]] } } }] })
      assert.equal(nested.status, 400, 'brackets inside strings do not count, real nesting is checked by the schema')
      const bracketsInString = await api('POST', '/experiments/create', { name: 5, artifact_location: '['.repeat(100) })
      assert.match(bracketsInString.body.message, /'name'/, 'brackets inside a string are not nesting')
      // A refused value is quoted, but not whole when it is huge.
      const huge = await api('POST', '/experiments/create', { name: Array.from({ length: 100_000 }, () => 'x') })
      assert.equal(huge.status, 400)
      assert.ok(huge.body.message.length < 400, `${huge.body.message.length} characters`)
      assert.match(huge.body.message, /… \(\d+ characters\)/)
      const after = await api('POST', '/experiments/search', { max_results: 1000, view_type: 'ALL' })
      assert.deepEqual(after.body, before.body)
    })

    test('unknown ids are RESOURCE_DOES_NOT_EXIST (404)', async () => {
      const res = await api('GET', '/experiments/get', { experiment_id: '99999' })
      assert.equal(res.status, 404)
      assert.deepEqual(Object.keys(res.body).sort(), ['error_code', 'message'])
      assert.equal(res.body.error_code, 'RESOURCE_DOES_NOT_EXIST')
      const byName = await api('GET', '/experiments/get-by-name', { experiment_name: 'nope' })
      assert.equal(byName.status, 404)
    })

    test('rename, tag, delete and restore', async () => {
      const { body } = await api('POST', '/experiments/create', { name: 'old-name' })
      const id = body.experiment_id
      assert.deepEqual((await api('POST', '/experiments/update', { experiment_id: id, new_name: 'new-name' })).body, {})
      assert.equal((await api('GET', '/experiments/get', { experiment_id: id })).body.experiment.name, 'new-name')
      await api('POST', '/experiments/set-experiment-tag', { experiment_id: id, key: 'k', value: 'v1' })
      await api('POST', '/experiments/set-experiment-tag', { experiment_id: id, key: 'k', value: 'v2' })
      assert.deepEqual((await api('GET', '/experiments/get', { experiment_id: id })).body.experiment.tags, [{ key: 'k', value: 'v2' }])
      await api('POST', '/experiments/delete-experiment-tag', { experiment_id: id, key: 'k' })
      assert.equal((await api('GET', '/experiments/get', { experiment_id: id })).body.experiment.tags, undefined)
      await api('POST', '/experiments/delete', { experiment_id: id })
      assert.equal((await api('GET', '/experiments/get', { experiment_id: id })).body.experiment.lifecycle_stage, 'deleted')
      await api('POST', '/experiments/restore', { experiment_id: id })
      assert.equal((await api('GET', '/experiments/get', { experiment_id: id })).body.experiment.lifecycle_stage, 'active')
    })

    test('the ajax-api prefix serves the same handlers', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/ajax-api/2.0/mlflow/experiments/get?experiment_id=0' })
      assert.equal(res.statusCode, 200)
      assert.equal(res.json().experiment.name, 'Default')
    })
  })
}
