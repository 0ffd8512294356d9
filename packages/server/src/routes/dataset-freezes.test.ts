import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DIALECTS } from '../testing/databases.js'
import { createTestApp, type TestApp } from '../testing/test-app.js'
import { call, mlflow } from '../testing/http.js'

function writeFiles(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, ...rel.split('/'))
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, content)
  }
}

for (const dialect of DIALECTS) {
  describe(`dataset freezes API (${dialect})`, () => {
    let t: TestApp
    let data: string
    const ry = (method: 'GET' | 'POST', p: string, payload?: Record<string, unknown>) => call(t.app, method, `/api/2.0/railyard${p}`, payload)
    const ok = async (method: 'GET' | 'POST', p: string, payload?: Record<string, unknown>) => {
      const res = await ry(method, p, payload)
      assert.equal(res.status, 200, `${p}: ${JSON.stringify(res.body)}`)
      return res.body
    }

    before(async () => {
      t = await createTestApp(dialect)
      data = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-freeze-'))
      await ok('POST', '/datastores/create', { name: 'lake', kind: 'local', config: { root: data } })
    })
    after(async () => {
      await t.dispose()
      fs.rmSync(data, { recursive: true, force: true })
    })

    test('the Monday test: a frozen experiment keeps its files, a new one sees new data, refresh is audited', async () => {
      const api = mlflow(t.app)
      writeFiles(data, { 'monday/day1.csv': 'a\n' })
      await ok('POST', '/datasets/create', { name: 'monday', datastore: 'lake', path: 'monday' })
      const friday = (await api('POST', '/experiments/create', { name: `friday-${dialect}` })).body.experiment_id
      const run1 = (await api('POST', '/runs/create', { experiment_id: friday })).body.run.info.run_id

      const r1 = await ok('POST', '/datasets/resolve', { experiment_id: friday, dataset: 'monday', run_id: run1, context: 'training' })
      assert.equal(r1.created, true)
      assert.equal(r1.freeze.version.file_count, 1)
      assert.equal(r1.freeze.run_id, run1)
      const v1 = r1.freeze.version.id
      assert.equal(r1.run_input.digest, v1.slice(7, 19))
      const inputs = (await api('GET', '/runs/get', { run_id: run1 })).body.run.inputs.dataset_inputs
      assert.equal(inputs.length, 1)
      assert.equal(inputs[0].dataset.name, 'monday')
      assert.equal(inputs[0].dataset.digest, v1.slice(7, 19))
      assert.equal(inputs[0].dataset.source_type, 'railyard')
      assert.deepEqual(JSON.parse(inputs[0].dataset.source), { datastore: 'lake', uri: `file://${data}/monday`, dataset: 'monday', version_id: v1 })
      assert.deepEqual(inputs[0].tags, [{ key: 'mlflow.data.context', value: 'training' }])

      writeFiles(data, { 'monday/weekend.csv': 'b\n' })
      const run2 = (await api('POST', '/runs/create', { experiment_id: friday })).body.run.info.run_id
      const r2 = await ok('POST', '/datasets/resolve', { experiment_id: friday, dataset: 'monday', run_id: run2 })
      assert.equal(r2.created, false)
      assert.equal(r2.freeze.version.id, v1)
      const files2 = await ok('GET', '/datasets/versions/files', { name: 'monday', version: r2.freeze.version.id })
      assert.deepEqual(files2.files.map((f: { path: string }) => f.path), ['day1.csv'])

      const monday = (await api('POST', '/experiments/create', { name: `monday-${dialect}` })).body.experiment_id
      const fresh = await ok('POST', '/datasets/resolve', { experiment_id: monday, dataset: 'monday' })
      assert.equal(fresh.created, true)
      assert.equal(fresh.freeze.version.file_count, 2)
      assert.notEqual(fresh.freeze.version.id, v1)

      const conflict = await ry('POST', '/datasets/resolve', { experiment_id: friday, dataset: 'monday', version: fresh.freeze.version.id })
      assert.equal(conflict.status, 409)

      const refreshed = await t.app.inject({
        method: 'POST',
        url: '/api/2.0/railyard/datasets/refresh',
        headers: { 'content-type': 'application/json', 'x-railyard-user': 'alice' },
        payload: { experiment_id: friday, dataset: 'monday', reason: 'weekend data landed' },
      })
      assert.equal(refreshed.statusCode, 200, refreshed.body)
      assert.equal(JSON.parse(refreshed.body).freezes[0].version.id, fresh.freeze.version.id)
      const r3 = await ok('POST', '/datasets/resolve', { experiment_id: friday, dataset: 'monday' })
      assert.equal(r3.freeze.version.id, fresh.freeze.version.id)
      assert.equal(r3.freeze.frozen_by, 'alice')

      const history = await ok('GET', '/datasets/freezes/history', { experiment_id: friday })
      assert.equal(history.events.length, 2)
      const [refresh, freeze] = history.events
      assert.deepEqual(
        { action: refresh.action, from: refresh.from_version, to: refresh.to_version, who: refresh.who, reason: refresh.reason },
        { action: 'refresh', from: v1, to: fresh.freeze.version.id, who: 'alice', reason: 'weekend data landed' },
      )
      assert.deepEqual({ action: freeze.action, to: freeze.to_version, run_id: freeze.run_id }, { action: 'freeze', to: v1, run_id: run1 })
      const freezes = await ok('GET', '/datasets/freezes', { experiment_id: friday })
      assert.deepEqual(freezes.freezes.map((f: { dataset: string }) => f.dataset), ['monday'])

      // The dataset's freezes across experiments, with their names; a deleted experiment drops out.
      const across = await ok('GET', '/datasets/freezes', { dataset: 'monday' })
      assert.deepEqual(
        across.freezes.map((f: { experiment_id: string; experiment_name: string; version: { id: string } }) => [f.experiment_id, f.experiment_name, f.version.id]),
        [
          [friday, `friday-${dialect}`, fresh.freeze.version.id],
          [monday, `monday-${dialect}`, fresh.freeze.version.id],
        ].sort((x, y) => Number(x[0]) - Number(y[0])),
      )
      await api('POST', '/experiments/delete', { experiment_id: monday })
      assert.deepEqual((await ok('GET', '/datasets/freezes', { dataset: 'monday' })).freezes.map((f: { experiment_id: string }) => f.experiment_id), [friday])
      const neither = await ry('GET', '/datasets/freezes', {})
      assert.equal(neither.status, 400)
      assert.match(neither.body.message, /'experiment_id', 'dataset', or both/)
      assert.equal((await ry('GET', '/datasets/freezes', { dataset: 'no-such-dataset' })).status, 404)
    })

    test('parallel first runs of an experiment freeze one version', async () => {
      const api = mlflow(t.app)
      writeFiles(data, { 'race/one.csv': '1' })
      await ok('POST', '/datasets/create', { name: 'race', datastore: 'lake', path: 'race' })
      const exp = (await api('POST', '/experiments/create', { name: `race-${dialect}` })).body.experiment_id
      const results = await Promise.all(Array.from({ length: 6 }, () => ok('POST', '/datasets/resolve', { experiment_id: exp, dataset: 'race' })))
      assert.equal(new Set(results.map((r) => r.freeze.version.id)).size, 1)
      assert.equal(results.filter((r) => r.created).length, 1)
      const history = await ok('GET', '/datasets/freezes/history', { experiment_id: exp, dataset: 'race' })
      assert.equal(history.events.length, 1)
      const bad = await ry('POST', '/datasets/resolve', { experiment_id: '987654', dataset: 'race' })
      assert.equal(bad.status, 404)
    })
  })
}
