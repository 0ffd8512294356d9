import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DIALECTS } from '../testing/databases.js'
import { createTestApp, type TestApp } from '../testing/test-app.js'
import { registryClient, uploadArtifact, waitUntilRegistered } from './registry-fixtures.js'

for (const dialect of DIALECTS) {
  describe(`compare: which files changed between the dataset versions two models used (${dialect})`, () => {
    let t: TestApp
    let data: string
    let api: ReturnType<typeof registryClient>
    const ok = async (res: Promise<{ status: number; body: any }>) => {
      const r = await res
      assert.equal(r.status, 200, JSON.stringify(r.body))
      return r.body
    }

    before(async () => {
      t = await createTestApp(dialect)
      api = registryClient(t.app)
      data = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-compare-'))
      fs.mkdirSync(path.join(data, 'tweets'))
      fs.writeFileSync(path.join(data, 'tweets/day1.jsonl'), '{"text":"hello","label":"neutral"}\n')
      fs.writeFileSync(path.join(data, 'tweets/day2.jsonl'), '{"text":"great","label":"positive"}\n')
      await ok(api.railyard('POST', '/datastores/create', { name: 'landing', kind: 'local', config: { root: data } }))
      await ok(api.railyard('POST', '/datasets/create', { name: 'tweets', datastore: 'landing', path: 'tweets' }))
      await ok(api.mlflow('POST', '/registered-models/create', { name: 'mood' }))
    })
    after(async () => {
      await t.dispose()
      fs.rmSync(data, { recursive: true, force: true })
    })

    /** A run in a new experiment that uses the newest data, and a version registered from it. */
    async function trainAndRegister(experiment: string): Promise<string> {
      const experimentId = (await ok(api.mlflow('POST', '/experiments/create', { name: experiment }))).experiment_id
      const run = (await ok(api.mlflow('POST', '/runs/create', { experiment_id: experimentId }))).run.info
      await ok(api.railyard('POST', '/datasets/resolve', { experiment_id: experimentId, dataset: 'tweets', run_id: run.run_id }))
      await uploadArtifact(t.app, run.artifact_uri, 'model/MLmodel', Buffer.from('flavors: {}\n'))
      const created = await ok(api.mlflow('POST', '/model-versions/create', { name: 'mood', source: `${run.artifact_uri}/model`, run_id: run.run_id }))
      const version = created.model_version.version
      await waitUntilRegistered(() => api.mlflow('GET', '/model-versions/get', { name: 'mood', version }))
      return version
    }

    test('the dataset change names how many files were added, removed and modified', async () => {
      const v1 = await trainAndRegister('monday')
      fs.writeFileSync(path.join(data, 'tweets/day2.jsonl'), '{"text":"great!!","label":"positive"}\n')
      fs.writeFileSync(path.join(data, 'tweets/covid.jsonl'), '{"text":"lockdown again","label":"negative"}\n')
      fs.writeFileSync(path.join(data, 'tweets/covid-2.jsonl'), '{"text":"stay home","label":"neutral"}\n')
      fs.rmSync(path.join(data, 'tweets/day1.jsonl'))
      const v2 = await trainAndRegister('tuesday')

      const cmp = await ok(api.railyard('GET', '/model-versions/compare', { name: 'mood', version_a: v1, version_b: v2 }))
      assert.equal(cmp.datasets.changed.length, 1)
      const change = cmp.datasets.changed[0]
      assert.equal(change.name, 'tweets')
      assert.deepEqual(change.files, {
        added: 2,
        removed: 1,
        modified: 1,
        unchanged: 0,
        bytes_added: fs.statSync(path.join(data, 'tweets/covid.jsonl')).size +
          fs.statSync(path.join(data, 'tweets/covid-2.jsonl')).size +
          fs.statSync(path.join(data, 'tweets/day2.jsonl')).size,
        bytes_removed: '{"text":"hello","label":"neutral"}\n'.length + '{"text":"great","label":"positive"}\n'.length,
      })

      const same = await ok(api.railyard('GET', '/model-versions/compare', { name: 'mood', version_a: v2, version_b: v2 }))
      assert.equal(same.datasets.changed, undefined)
      assert.equal(same.datasets.unchanged, 1)
    })
  })
}
