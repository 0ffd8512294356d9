import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DIALECTS } from '@railyard/server/testing/databases.js'
import { InvalidParameterError, NotFoundError } from '@railyard/api'
import { RailyardClient } from './client.js'
import { getRun, startRun } from './fluent.js'
import { searchRuns } from './run-search.js'
import { startTestServer, type TestServer } from './testing/server.js'

for (const dialect of DIALECTS) {
  describe(`startRun and ActiveRun (${dialect})`, () => {
    let server: TestServer
    let client: RailyardClient
    before(async () => {
      server = await startTestServer(dialect)
      client = new RailyardClient({ trackingUri: server.url, retries: { retries: 2, baseDelayMs: 5 } })
    })
    after(() => server.close())

    test('full tracking flow: buffered metrics arrive complete and in order after end()', async () => {
      const run = await startRun({ client, experimentName: 'training', runName: 'first', tags: { team: 'nlp' } })
      const exp = await client.experiments.getByName('training')
      assert.equal(run.experimentId, exp.experiment_id)
      assert.equal(run.run.info.run_name, 'first')
      await run.logParams({ lr: 0.01, epochs: 3, amp: true })
      await run.setTags({ stage: 'dev' })
      await run.logInputs([{ dataset: { name: 'train', digest: 'd1', source_type: 'local', source: '/d' } }])
      const n = 2500
      for (let step = 0; step < n; step++) run.logMetric('loss', step === 7 ? NaN : 1 / (step + 1), step)
      run.logMetrics({ acc: 0.9, f1: Infinity }, 3)
      await run.end()

      const history = await client.runs.metricHistory(run.runId, 'loss')
      assert.equal(history.length, n)
      assert.deepEqual(history.map((m) => m.step), Array.from({ length: n }, (_, i) => i))
      assert.equal(history[7].value, 'NaN')
      assert.equal(history[9].value, 1 / 10)
      const final = await getRun(run.runId, { client })
      assert.equal(final.info.status, 'FINISHED')
      assert.ok(final.info.end_time! >= final.info.start_time)
      assert.deepEqual(
        final.data.params?.map((p) => [p.key, p.value]).sort(),
        [['amp', 'true'], ['epochs', '3'], ['lr', '0.01']],
      )
      const tags = Object.fromEntries(final.data.tags?.map((t) => [t.key, t.value]) ?? [])
      assert.equal(tags.team, 'nlp')
      assert.equal(tags.stage, 'dev')
      assert.equal(tags['mlflow.source.type'], 'LOCAL')
      assert.equal(final.data.metrics?.find((m) => m.key === 'f1')?.value, 'Infinity')
      assert.equal(final.inputs.dataset_inputs?.[0].dataset.digest, 'd1')
      assert.equal(run.pendingMetrics, 0)
    })

    test('getRun() flushes first; end() is idempotent and logging after it throws', async () => {
      const run = await startRun({ client, experimentName: 'training', flushIntervalMs: 60_000 })
      run.logMetric('m', 1, 1)
      const live = await run.getRun()
      assert.deepEqual(live.data.metrics?.map((m) => [m.key, m.value, m.step]), [['m', 1, 1]])
      const first = run.end('FAILED')
      assert.equal(run.end(), first)
      await first
      assert.equal((await client.runs.get(run.runId)).info.status, 'FAILED')
      assert.throws(() => run.logMetric('m', 2), InvalidParameterError)
    })

    test('bad keys and values throw at the call, before anything is queued', async () => {
      const run = await startRun({ client })
      assert.throws(() => run.logMetric('bad/../key', 1), InvalidParameterError)
      assert.throws(() => run.logMetric('', 1), InvalidParameterError)
      assert.throws(() => run.logMetric('ok', '1' as unknown as number), InvalidParameterError)
      assert.throws(() => run.logMetric('ok', 1, 1.5), InvalidParameterError)
      assert.equal(run.pendingMetrics, 0)
      await run.logParam('p', 1)
      await assert.rejects(run.logParam('p', 2), InvalidParameterError)
      await run.end()
    })

    test('a batch the server rejects (4xx) surfaces from flush() and is not retried', async () => {
      const run = await startRun({ client, flushIntervalMs: 60_000 })
      await client.runs.delete(run.runId)
      run.logMetric('m', 1)
      await assert.rejects(run.flush(), (err: unknown) => {
        assert.ok(err instanceof InvalidParameterError)
        assert.match(err.message, /must be in the 'active' state/)
        return true
      })
      assert.equal(run.pendingMetrics, 0)
      // The rejected points were reported once and dropped; nothing is left to fail again.
      await run.flush()
      run.logMetric('m', 2)
      await assert.rejects(run.end(), InvalidParameterError)
    })

    test('joins the run named by MLFLOW_RUN_ID and leaves its lifecycle to the supervisor', async () => {
      const supervised = await client.runs.create({ run_name: 'supervised' })
      const saved = process.env.MLFLOW_RUN_ID
      process.env.MLFLOW_RUN_ID = supervised.info.run_id
      try {
        // Another experiment's name (a script's default, under `railyard run -e other`) is not used, and the user is told.
        const warnings: string[] = []
        const write = process.stderr.write
        process.stderr.write = ((chunk: string) => (warnings.push(String(chunk)), true)) as typeof process.stderr.write
        const elsewhere = await startRun({ client, experimentName: 'elsewhere' }).finally(() => (process.stderr.write = write))
        assert.equal(elsewhere.runId, supervised.info.run_id)
        assert.equal(await client.experiments.findByName('elsewhere'), undefined)
        assert.deepEqual(warnings, [
          `railyard: warning: joining run ${supervised.info.run_id} (given by RAILYARD_RUN_ID or MLFLOW_RUN_ID, e.g. by \`railyard run --experiment\`), which belongs to experiment 'Default'; the requested experiment 'elsewhere' is not used\n`,
        ])
        const run = await startRun({ client, experimentName: 'Default', tags: { joined: 'yes' } })
        assert.equal(run.runId, supervised.info.run_id)
        run.logMetric('m', 3, 1)
        await run.flush()
        const got = await client.runs.get(run.runId)
        assert.equal(got.data.metrics?.[0].value, 3)
        assert.equal(got.data.tags?.find((t) => t.key === 'joined')?.value, 'yes')
        await assert.rejects(startRun({ client, experimentId: '12345' }), InvalidParameterError)
        await run.end()
      } finally {
        if (saved === undefined) delete process.env.MLFLOW_RUN_ID
        else process.env.MLFLOW_RUN_ID = saved
      }
      await assert.rejects(startRun({ client, runId: 'f'.repeat(32) }), NotFoundError)
    })

    test('searchRuns: by experiment name, filter and order; awaited or iterated page by page', async () => {
      const ids: string[] = []
      for (let i = 0; i < 5; i++) {
        const run = await startRun({ client, experimentName: 'sweep', runName: `trial-${i}` })
        await run.logParam('lr', String(i / 10))
        run.logMetric('acc', i / 10)
        await run.end()
        ids.push(run.runId)
      }
      const best = await searchRuns({ client, experimentNames: ['sweep'], filter: 'metrics.acc >= 0.2', orderBy: ['metrics.acc DESC'] })
      assert.deepEqual(best.map((r) => r.info.run_name), ['trial-4', 'trial-3', 'trial-2'])
      const iterated: string[] = []
      for await (const r of searchRuns({ client, experimentNames: ['sweep'], orderBy: ['metrics.acc ASC'], pageSize: 2 })) {
        iterated.push(r.info.run_id)
      }
      assert.deepEqual(iterated, ids)
      const capped = await searchRuns({ client, experimentNames: ['sweep'], orderBy: ['metrics.acc ASC'], maxResults: 3, pageSize: 2 })
      assert.deepEqual(capped.map((r) => r.info.run_id), ids.slice(0, 3))
      const everywhere = await searchRuns({ client, filter: "params.lr = '0.4'" })
      assert.deepEqual(everywhere.map((r) => r.info.run_id), [ids[4]])
      await assert.rejects(searchRuns({ client, experimentNames: ['no-such'] }).all(), NotFoundError)
    })

    test('startRun in a deleted experiment says it is deleted and how to restore it; restored, it works again', async () => {
      const first = await startRun({ client, experimentName: 'retired' })
      await first.end()
      await client.experiments.delete(first.experimentId)
      await assert.rejects(startRun({ client, experimentName: 'retired' }), (err: Error) => {
        assert.ok(err instanceof InvalidParameterError, `${err.name}: ${err.message}`)
        assert.match(err.message, new RegExp(`Experiment 'retired' \\(id ${first.experimentId}\\) is deleted: restore it`))
        assert.match(err.message, /experiments\.restore/)
        return true
      })
      await client.experiments.restore(first.experimentId)
      const again = await startRun({ client, experimentName: 'retired' })
      assert.equal(again.experimentId, first.experimentId)
      await again.end()
    })
  })
}
