import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ConnectionError } from './http.js'
import { MetricBuffer, MetricPointsDroppedError, type WirePoint } from './metric-buffer.js'

test('while the server is away the buffer keeps at most maxQueuedPoints; flush() counts the dropped ones, then the rest arrive', async () => {
  const received: WirePoint[] = []
  let up = false
  const buffer = new MetricBuffer({
    flushIntervalMs: 1,
    maxQueuedPoints: 5,
    send: async (points) => {
      if (!up) throw new ConnectionError('connect ECONNREFUSED 127.0.0.1:5000')
      received.push(...points)
    },
  })
  for (let step = 0; step < 8; step++) buffer.add({ key: 'loss', value: step, timestamp: 1000 + step, step })
  assert.equal(buffer.pending, 5)
  const err = await buffer.flush().catch((e: unknown) => e)
  assert.ok(err instanceof MetricPointsDroppedError, String(err))
  assert.equal(err.dropped, 3)
  assert.match(err.message, /3 metric points were dropped: 5 were already waiting for the server \(connect ECONNREFUSED/)

  up = true
  await buffer.flush()
  buffer.stop()
  // The oldest points were kept (the batch at the head must stay until the server answers).
  assert.deepEqual(received.map((p) => p.step), [0, 1, 2, 3, 4])
})
