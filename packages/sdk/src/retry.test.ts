import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { InvalidParameterError } from '@railyard/api'
import { RailyardClient } from './client.js'
import { ConnectionError } from './http.js'
import { startRun } from './fluent.js'
import { backoffDelay, DEFAULT_RETRY } from './retry.js'
import { startFaultyProxy, startTestServer, type Fault, type TestServer } from './testing/server.js'

const FAST = { baseDelayMs: 2, maxDelayMs: 20 }

describe('retries through a faulty proxy in front of a real server', () => {
  let server: TestServer
  let direct: RailyardClient
  before(async () => {
    server = await startTestServer('sqlite')
    direct = new RailyardClient({ trackingUri: server.url })
  })
  after(() => server.close())

  async function withProxy(faults: Fault[], retries: number) {
    const proxy = await startFaultyProxy(server.url, ['/runs/log-batch'], faults)
    const client = new RailyardClient({ trackingUri: proxy.url, retries: { retries, ...FAST } })
    return { proxy, client }
  }

  test('503s and connections dropped before or after the server wrote the batch: every point exactly once', async () => {
    const faults: Fault[] = ['status-503', 'drop-after-forward', 'drop-before-forward', 'drop-after-forward', 'status-503']
    const { proxy, client } = await withProxy(faults, 5)
    try {
      const run = await startRun({ client, flushIntervalMs: 60_000 })
      const n = 3500
      for (let step = 0; step < n; step++) run.logMetric('loss', step, step)
      await run.end()
      assert.equal(proxy.faultsLeft(), 0)
      // 4 batches (1000, 1000, 1000, 500) plus one resend per fault.
      assert.equal(proxy.seen.length, 4 + faults.length)
      const history = await direct.runs.metricHistory(run.runId, 'loss')
      assert.equal(history.length, n)
      assert.deepEqual(history.map((m) => m.value), Array.from({ length: n }, (_, i) => i))
    } finally {
      await proxy.close()
    }
  })

  test('a batch that outlasts the retries stays queued: flush() rejects, the next flush() sends it once', async () => {
    const { proxy, client } = await withProxy(['drop-after-forward', 'drop-after-forward'], 1)
    try {
      const run = await startRun({ client, flushIntervalMs: 60_000 })
      for (let step = 0; step < 10; step++) run.logMetric('m', step, step)
      await assert.rejects(run.flush(), ConnectionError)
      assert.equal(run.pendingMetrics, 10)
      // Both failed sends reached the server; the third must not double the points.
      assert.equal((await direct.runs.metricHistory(run.runId, 'm')).length, 10)
      await run.flush()
      assert.equal(run.pendingMetrics, 0)
      await run.end()
      assert.equal((await direct.runs.metricHistory(run.runId, 'm')).length, 10)
      assert.equal(proxy.seen.length, 3)
    } finally {
      await proxy.close()
    }
  })

  test('an answer cut off mid-body is retried like a lost connection', async () => {
    const proxy = await startFaultyProxy(server.url, ['/experiments/get'], ['truncate-answer'])
    try {
      const client = new RailyardClient({ trackingUri: proxy.url, retries: { retries: 2, ...FAST } })
      assert.equal((await client.experiments.get('0')).name, 'Default')
      assert.equal(proxy.seen.length, 2)
    } finally {
      await proxy.close()
    }
  })

  test('a 4xx answer is not retried', async () => {
    const { proxy, client } = await withProxy([], 5)
    try {
      const run = await startRun({ client, flushIntervalMs: 60_000 })
      await client.runs.delete(run.runId)
      run.logMetric('m', 1)
      await assert.rejects(run.flush(), InvalidParameterError)
      assert.equal(proxy.seen.length, 1)
      assert.equal(run.pendingMetrics, 0)
    } finally {
      await proxy.close()
    }
  })

  test('429 and 5xx on plain calls are retried until they pass', async () => {
    const proxy = await startFaultyProxy(server.url, ['/experiments/get'], ['status-429', 'status-503'])
    try {
      const client = new RailyardClient({ trackingUri: proxy.url, retries: { retries: 2, ...FAST } })
      assert.equal((await client.experiments.get('0')).name, 'Default')
      assert.equal(proxy.seen.length, 3)
    } finally {
      await proxy.close()
    }
  })
})

test('backoff grows exponentially with jitter and is capped', () => {
  const policy = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 }
  assert.equal(backoffDelay(policy, 0, () => 0), 50)
  assert.equal(backoffDelay(policy, 0, () => 1), 100)
  assert.equal(backoffDelay(policy, 3, () => 1), 800)
  assert.equal(backoffDelay(policy, 10, () => 1), 1000)
  assert.equal(backoffDelay(policy, 10, () => 0), 500)
})
