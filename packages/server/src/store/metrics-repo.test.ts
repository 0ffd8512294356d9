import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DIALECTS, createTestDatabase, type TestDatabase } from '../testing/databases.js'
import { Store } from './store.js'
import type { MetricPoint } from './metrics-repo.js'

for (const dialect of DIALECTS) {
  describe(`metric ingestion in the store (${dialect})`, () => {
    let db: TestDatabase
    let store: Store
    let experimentId: number
    let n = 0

    before(async () => {
      db = await createTestDatabase(dialect)
      store = await Store.open(db.uri)
      experimentId = Number(await store.experiments.create({ name: 'metrics', artifactLocation: (id) => `mem:/${id}`, tags: [], now: 1 }))
    })
    after(async () => {
      await store.close()
      await db.drop()
    })

    const newRun = async () => {
      const runId = `run${String(++n).padStart(29, '0')}`
      await store.runs.create({ runId, experimentId, name: runId, userId: 'u', startTime: 1, artifactUri: 'mem:/x', tags: [] })
      return runId
    }
    const latest = async (runId: string) => (await store.runs.get(runId))!.data.metrics ?? []

    test('a batch of any size is stored whole, special values included, and a retry adds nothing', async () => {
      const runId = await newRun()
      // 1337 points: every statement size SQLite is given (512 … 1) and a repeat of the largest.
      const points: MetricPoint[] = Array.from({ length: 1337 }, (_, i) => ({ key: `k${i % 7}`, value: i / 3, timestamp: 1000 + i, step: i }))
      points[5] = { key: 'k5', value: NaN, timestamp: 5, step: 5 }
      points[6] = { key: 'k6', value: Infinity, timestamp: 6, step: 6 }
      points[7] = { key: 'k0', value: -Infinity, timestamp: 7, step: 7 }
      await store.runs.writeBatch(runId, { metrics: points, params: [], tags: [] })
      await store.runs.writeBatch(runId, { metrics: points, params: [], tags: [] })
      let stored = 0
      for (let k = 0; k < 7; k++) {
        const history = await store.runs.metrics.history(runId, `k${k}`, 0, 10_000)
        stored += history.length
        const expected = points.filter((p) => p.key === `k${k}`).sort((a, b) => a.step - b.step)
        assert.deepEqual(
          history.map((m) => [m.step, m.timestamp, m.value]),
          expected.map((p) => [p.step, p.timestamp, Number.isFinite(p.value) ? p.value : String(p.value)]),
        )
      }
      assert.equal(stored, 1337)
    })

    test('the latest value per key moves forward by step, then timestamp, then value', async () => {
      const runId = await newRun()
      await store.runs.writeBatch(runId, {
        metrics: [
          { key: 'loss', value: 0.5, timestamp: 100, step: 3 },
          { key: 'loss', value: 0.9, timestamp: 999, step: 2 }, // later timestamp, earlier step: not latest
          { key: 'acc', value: 0.1, timestamp: 50, step: 1 },
          { key: 'acc', value: 0.2, timestamp: 50, step: 1 }, // same step and time: larger value wins
          { key: 'nan', value: NaN, timestamp: 10, step: 4 },
        ],
        params: [],
        tags: [],
      })
      // An older point arriving later does not move it back; a newer one does.
      await store.runs.writeBatch(runId, {
        metrics: [
          { key: 'loss', value: 0.1, timestamp: 1, step: 1 },
          { key: 'acc', value: 0.3, timestamp: 60, step: 1 },
          { key: 'nan', value: 7, timestamp: 9, step: 4 },
        ],
        params: [],
        tags: [],
      })
      assert.deepEqual(await latest(runId), [
        { key: 'acc', value: 0.3, timestamp: 60, step: 1 },
        { key: 'loss', value: 0.5, timestamp: 100, step: 3 },
        { key: 'nan', value: 'NaN', timestamp: 10, step: 4 },
      ])
    })

    test('a batch whose params conflict stores none of its metrics', async () => {
      const runId = await newRun()
      await store.runs.writeBatch(runId, { metrics: [], params: [{ key: 'lr', value: '0.1' }], tags: [] })
      await assert.rejects(
        store.runs.writeBatch(runId, {
          metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }],
          params: [{ key: 'fresh', value: 'x' }, { key: 'lr', value: '0.2' }],
          tags: [],
        }),
        /Changing param values is not allowed/,
      )
      const run = (await store.runs.get(runId))!
      assert.deepEqual(run.data.params, [{ key: 'lr', value: '0.1' }])
      assert.equal(run.data.metrics, undefined)
      assert.deepEqual(await store.runs.metrics.history(runId, 'm', 0, 10), [])
    })
  })
}
