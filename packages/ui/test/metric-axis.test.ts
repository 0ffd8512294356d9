import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chartPoints, chooseAxis, STEP_AXIS, TIME_AXIS, type MetricPoint } from '../src/lib/metric-axis.js'

const at = (step: number, timestamp: number, value: number): MetricPoint => ({ step, timestamp, value })

test('a metric with one point per step is charted by step, in step order', () => {
  const points = [at(2, 1_000, 0.3), at(0, 3_000, 0.9), at(1, 2_000, 0.5)]
  assert.deepEqual(chooseAxis([points]), STEP_AXIS)
  assert.deepEqual(chartPoints(points, STEP_AXIS), [
    [0, 0.9],
    [1, 0.5],
    [2, 0.3],
  ])
})

test('a metric logged without steps (all at step 0) is spread along the seconds since its first point', () => {
  const points = [at(0, 10_000, 1), at(0, 10_500, 0.5), at(0, 12_000, 0.25)]
  assert.deepEqual(chooseAxis([points]), TIME_AXIS)
  assert.deepEqual(chartPoints(points, TIME_AXIS), [
    [0, 1],
    [0.5, 0.5],
    [2, 0.25],
  ])
})

test('one series with a repeated step puts every series of the chart on time, each from its own start', () => {
  const stepped = [at(0, 5_000, 0.9), at(1, 6_000, 0.8)]
  const unstepped = [at(0, 90_000, 3), at(0, 91_000, 2)]
  const axis = chooseAxis([stepped, unstepped])
  assert.deepEqual(axis, TIME_AXIS)
  assert.deepEqual(chartPoints(stepped, axis), [
    [0, 0.9],
    [1, 0.8],
  ])
  assert.deepEqual(chartPoints(unstepped, axis), [
    [0, 3],
    [1, 2],
  ])
})

test('points logged in the same millisecond stay apart, in the order they were logged, and none is lost', () => {
  const points = [at(0, 7_000, 1), at(0, 7_000, 2), at(0, 7_000, 3), at(0, 7_001, 4), at(0, 7_010, NaN)]
  const xs = chartPoints(points, TIME_AXIS).map(([x]) => x)
  assert.deepEqual(xs, [0, 0.001, 0.002, 0.003, 0.01])
  assert.deepEqual(chartPoints(points, TIME_AXIS).map(([, y]) => y), [1, 2, 3, 4, NaN])
  assert.deepEqual(chartPoints([], TIME_AXIS), [])
})
