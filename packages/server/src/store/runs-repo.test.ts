import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DIALECTS, createTestDatabase, type TestDatabase } from '../testing/databases.js'
import { Store } from './store.js'

for (const dialect of DIALECTS) {
  describe(`runs in the store (${dialect})`, () => {
    let db: TestDatabase
    let store: Store
    let experimentId: number

    before(async () => {
      db = await createTestDatabase(dialect)
      store = await Store.open(db.uri)
      experimentId = Number(await store.experiments.create({ name: 'runs', artifactLocation: (id) => `mem:/${id}`, tags: [], now: 1 }))
    })
    after(async () => {
      await store.close()
      await db.drop()
    })

    test('create answers with the run exactly as get reads it back, tags in the same order', async () => {
      const runId = 'a'.repeat(32)
      const created = await store.runs.create({
        runId,
        experimentId,
        name: 'first',
        userId: 'ada',
        startTime: 1_700_000_000_000,
        artifactUri: `mem:/${experimentId}/${runId}/artifacts`,
        // Keys whose order differs between byte order and a language collation (case, punctuation).
        tags: ['team', 'Zeta', 'alpha', 'a b', 'a/b', 'a_b', 'a-b', 'a.b', 'a:b', 'mlflow.runName', 'B', 'team'].map((key, i) => ({ key, value: String(i) })),
      })
      assert.deepEqual(created, await store.runs.get(runId))
      // A repeated key keeps its last value.
      assert.equal(created.data.tags!.find((t) => t.key === 'team')!.value, '11')
      assert.equal(created.data.tags!.length, 11)
    })
  })
}
