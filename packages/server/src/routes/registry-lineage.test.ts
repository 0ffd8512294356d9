import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DIALECTS } from '../testing/databases.js'
import { createTestApp, type TestApp } from '../testing/test-app.js'
import { registryClient, trainRun, type TrainedRun } from './registry-fixtures.js'

const COMMIT_A = '1111111111111111111111111111111111111111'
const COMMIT_B = '2222222222222222222222222222222222222222'

for (const dialect of DIALECTS) {
  describe(`lineage and comparison (${dialect})`, () => {
    let t: TestApp
    let api: ReturnType<typeof registryClient>
    let runA: TrainedRun
    let runB: TrainedRun
    before(async () => {
      t = await createTestApp(dialect)
      api = registryClient(t.app)
      const exp = await api.mlflow('POST', '/experiments/create', { name: 'churn-training' })
      runA = await trainRun(t.app, {
        experimentId: exp.body.experiment_id,
        commit: COMMIT_A,
        params: { lr: '0.1', depth: '6', seed: '1' },
        metrics: { auc: 0.9, loss: 0.4 },
        dataset: { name: 'churn', digest: 'aaa111', source: '{"uri": "s3://data/churn/2026-10"}' },
        files: { 'MLmodel': Buffer.from('a'), 'w.bin': Buffer.from('weights-a'), 'notes.txt': Buffer.from('same') },
      })
      runB = await trainRun(t.app, {
        experimentId: exp.body.experiment_id,
        commit: COMMIT_B,
        params: { lr: '0.05', depth: '6', epochs: '10' },
        metrics: { auc: 0.93, f1: 0.8 },
        dataset: { name: 'churn', digest: 'bbb222', source: '{"uri": "s3://data/churn/2026-11"}' },
        files: { 'MLmodel': Buffer.from('b'), 'w.bin': Buffer.from('weights-b'), 'notes.txt': Buffer.from('same'), 'extra.json': Buffer.from('{}') },
      })
      await api.mlflow('POST', '/registered-models/create', { name: 'churn' })
      for (const run of [runA, runB]) {
        const res = await api.mlflow('POST', '/model-versions/create', { name: 'churn', source: `runs:/${run.runId}/model` })
        assert.equal(res.body.model_version.status, 'READY')
      }
    })
    after(() => t.dispose())

    test('lineage: version → run → experiment → commit → params, metrics, datasets', async () => {
      // Metrics logged after registration do not change the recorded lineage.
      await api.mlflow('POST', '/runs/log-metric', { run_id: runA.runId, key: 'auc', value: 0.1, timestamp: Date.now(), step: 5 })
      const res = await api.railyard('GET', '/model-versions/lineage', { name: 'churn', version: '1' })
      assert.equal(res.status, 200)
      const l = res.body
      assert.equal(l.model_version.version, '1')
      assert.match(l.tree_oid, /^sha256:[0-9a-f]{64}$/)
      assert.equal(l.run.run_id, runA.runId)
      assert.equal(l.run.experiment_id, runA.experimentId)
      assert.equal(l.run.experiment_name, 'churn-training')
      assert.equal(l.run.status, 'FINISHED')
      assert.deepEqual(l.code, {
        commit: COMMIT_A,
        repo_url: 'https://example.com/team/churn.git',
        branch: 'main',
        source_name: 'train.ts',
        source_type: 'LOCAL',
      })
      assert.deepEqual(l.params, [
        { key: 'depth', value: '6' },
        { key: 'lr', value: '0.1' },
        { key: 'seed', value: '1' },
      ])
      assert.deepEqual(
        l.metrics.map((m: { key: string; value: number }) => [m.key, m.value]),
        [['auc', 0.9], ['loss', 0.4]],
      )
      assert.deepEqual(l.dataset_inputs, [
        {
          tags: [{ key: 'mlflow.data.context', value: 'training' }],
          dataset: { name: 'churn', digest: 'aaa111', source_type: 's3', source: '{"uri": "s3://data/churn/2026-10"}' },
        },
      ])
      // The run today (it ended before registration here, so as it was then).
      assert.deepEqual(l.run_now, { exists: true, lifecycle_stage: 'active', status: 'FINISHED', end_time: l.run.end_time })
      assert.equal(typeof l.captured_at, 'number')

      await api.mlflow('POST', '/runs/delete', { run_id: runA.runId })
      const later = await api.railyard('GET', '/model-versions/lineage', { name: 'churn', version: '1' })
      assert.deepEqual(later.body.run_now, { exists: true, lifecycle_stage: 'deleted', status: 'FINISHED', end_time: l.run.end_time })
      assert.equal(later.body.code.commit, COMMIT_A)
      await api.mlflow('POST', '/runs/restore', { run_id: runA.runId })
    })

    test('compare: metrics with deltas, params diff, dataset versions, commits, files', async () => {
      const res = await api.railyard('GET', '/model-versions/compare', { name: 'churn', version_a: '1', version_b: 2 })
      assert.equal(res.status, 200)
      const c = res.body
      assert.equal(c.version_a.version, '1')
      assert.equal(c.version_b.version, '2')
      assert.equal(c.metrics.length, 3)
      const [auc, f1, loss] = c.metrics
      assert.equal(auc.key, 'auc')
      assert.equal(auc.a, 0.9)
      assert.equal(auc.b, 0.93)
      assert.ok(Math.abs(auc.delta - 0.03) < 1e-12)
      assert.deepEqual(f1, { key: 'f1', b: 0.8 })
      assert.deepEqual(loss, { key: 'loss', a: 0.4 })
      assert.deepEqual(c.params, {
        changed: [{ key: 'lr', a: '0.1', b: '0.05' }],
        added: [{ key: 'epochs', b: '10' }],
        removed: [{ key: 'seed', a: '1' }],
        unchanged: 1,
      })
      assert.deepEqual(c.datasets, {
        changed: [
          {
            name: 'churn',
            a: { name: 'churn', digest: 'aaa111', source: '{"uri": "s3://data/churn/2026-10"}' },
            b: { name: 'churn', digest: 'bbb222', source: '{"uri": "s3://data/churn/2026-11"}' },
          },
        ],
        unchanged: 0,
      })
      assert.deepEqual(c.code, { a: COMMIT_A, b: COMMIT_B, same: false })
      assert.deepEqual(c.files.added.map((f: { path: string }) => f.path), ['extra.json'])
      assert.deepEqual(c.files.changed.map((f: { path: string }) => f.path), ['MLmodel', 'w.bin'])
      assert.equal(c.files.removed, undefined)
      assert.equal(c.files.unchanged, 1)

      const self = await api.railyard('GET', '/model-versions/compare', { name: 'churn', version_a: '2', version_b: '2' })
      assert.deepEqual(self.body.code, { a: COMMIT_B, b: COMMIT_B, same: true })
      assert.ok(self.body.metrics.every((m: { delta: number }) => m.delta === 0))
    })

    test('unknown models and versions are 4xx', async () => {
      const cases: Array<[string, Record<string, unknown>, number]> = [
        ['/model-versions/lineage', { name: 'churn', version: '9' }, 404],
        ['/model-versions/lineage', { name: 'nope', version: '1' }, 404],
        ['/model-versions/lineage', { name: 'churn' }, 400],
        ['/model-versions/compare', { name: 'churn', version_a: '1', version_b: '9' }, 404],
        ['/model-versions/compare', { name: 'churn', version_a: 'x', version_b: '2' }, 400],
        ['/model-versions/compare', { name: 'nope', version_a: '1', version_b: '2' }, 404],
      ]
      for (const [path, query, status] of cases) {
        const res = await api.railyard('GET', path, query)
        assert.equal(res.status, status, `${path} ${JSON.stringify(query)}`)
        assert.ok(res.body.error_code)
      }
    })
  })
}
