import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { MicroBatcher } from './micro-batcher.js'

/** A model that doubles numbers, records each call's batch, and throws on 13. */
function recorder() {
  const calls: number[][] = []
  const predict = async (inputs: unknown[]) => {
    calls.push(inputs as number[])
    if (inputs.includes(13)) throw new Error('unlucky')
    return (inputs as number[]).map((x) => x * 2)
  }
  return { calls, predict }
}

describe('MicroBatcher', () => {
  test('requests arriving together go to the model as one call, each caller gets its own outputs', async () => {
    const m = recorder()
    const batcher = new MicroBatcher(m.predict)
    const results = await Promise.all([batcher.predict([1]), batcher.predict([2, 3]), batcher.predict([4])])
    assert.deepEqual(results, [[2], [4, 6], [8]])
    assert.deepEqual(m.calls, [[1, 2, 3, 4]])
  })

  test('a batch never exceeds maxBatchSize inputs; a larger request goes alone, unsplit', async () => {
    const m = recorder()
    const batcher = new MicroBatcher(m.predict, { maxBatchSize: 3 })
    const results = await Promise.all([batcher.predict([1, 2]), batcher.predict([3, 4]), batcher.predict([5]), batcher.predict([6, 7, 8, 9])])
    assert.deepEqual(results, [[2, 4], [6, 8], [10], [12, 14, 16, 18]])
    assert.deepEqual(m.calls, [[1, 2], [3, 4, 5], [6, 7, 8, 9]])
    assert.ok(m.calls.slice(0, 2).every((c) => c.length <= 3))
  })

  test('maxWaitMs holds the first request for later ones, within the bound', async () => {
    const m = recorder()
    const batcher = new MicroBatcher(m.predict, { maxWaitMs: 30 })
    const started = Date.now()
    const first = batcher.predict([1])
    await new Promise((r) => setTimeout(r, 5))
    const second = batcher.predict([2])
    assert.deepEqual(await Promise.all([first, second]), [[2], [4]])
    assert.deepEqual(m.calls, [[1, 2]])
    assert.ok(Date.now() - started < 1000)
  })

  test('a failing batch is retried per request, so only the bad request fails', async () => {
    const m = recorder()
    const batcher = new MicroBatcher(m.predict)
    const [a, b, c] = await Promise.allSettled([batcher.predict([1]), batcher.predict([13]), batcher.predict([3])])
    assert.deepEqual(a, { status: 'fulfilled', value: [2] })
    assert.equal(b.status, 'rejected')
    assert.match(String((b as PromiseRejectedResult).reason), /unlucky/)
    assert.deepEqual(c, { status: 'fulfilled', value: [6] })
    assert.deepEqual(m.calls, [[1, 13, 3], [1], [13], [3]])
  })

  test('a model returning the wrong number of outputs fails the request', async () => {
    const batcher = new MicroBatcher(async (inputs) => inputs.slice(1))
    await assert.rejects(batcher.predict([1, 2]), /2 inputs gave 1 outputs/)
    assert.deepEqual(await batcher.predict([]), [])
  })
})
