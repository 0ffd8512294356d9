import { test } from 'node:test'
import assert from 'node:assert/strict'
import { barGeometry, splitByHistory } from '../src/lib/single-values.js'
import type { MetricPoint } from '../src/lib/metric-axis.js'

const points = (n: number): MetricPoint[] => Array.from({ length: n }, (_, i) => ({ step: i, timestamp: 1000 + i, value: i }))

test('a metric is charted when some series has two points; one point (or none) in every series is a single value', () => {
  const histories: Record<string, MetricPoint[][]> = {
    loss: [points(5), points(1)],
    accuracy: [points(1), points(1)],
    // Logged by one run only.
    f1: [points(1), []],
    // Logged without steps: two points at step 0 still make a line (along time).
    batch_loss: [[{ step: 0, timestamp: 1, value: 1 }, { step: 0, timestamp: 2, value: 0.5 }]],
  }
  const split = splitByHistory(['accuracy', 'batch_loss', 'f1', 'loss', 'val_loss'], (k) => histories[k])
  assert.deepEqual(split, { charted: ['batch_loss', 'loss'], single: ['accuracy', 'f1'], pending: ['val_loss'] })
})

test('positive values grow right from the left edge, scaled to the largest', () => {
  const { bars, zero } = barGeometry([0.5, 1, 0.25, 0])
  assert.equal(zero, 0)
  assert.deepEqual(bars, [
    { start: 0, width: 50 },
    { start: 0, width: 100 },
    { start: 0, width: 25 },
    { start: 0, width: 0 },
  ])
})

test('negative values grow left from the right edge; mixed signs grow both ways from a zero line', () => {
  assert.deepEqual(barGeometry([-2, -1]), { bars: [{ start: 0, width: 100 }, { start: 50, width: 50 }], zero: 100 })
  const mixed = barGeometry([-1, 3])
  assert.equal(mixed.zero, 25)
  assert.deepEqual(mixed.bars, [
    { start: 0, width: 25 },
    { start: 25, width: 75 },
  ])
})

test('missing and non-finite values get no bar and do not stretch the scale; all zeros draw empty bars', () => {
  const { bars } = barGeometry([undefined, NaN, Infinity, 2, 1])
  assert.deepEqual(bars, [undefined, undefined, undefined, { start: 0, width: 100 }, { start: 0, width: 50 }])
  assert.deepEqual(barGeometry([0, 0]).bars, [
    { start: 0, width: 0 },
    { start: 0, width: 0 },
  ])
  assert.deepEqual(barGeometry([]), { bars: [], zero: 0 })
})
