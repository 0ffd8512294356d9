import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { classificationMetrics, percentile, regressionMetrics } from './metrics.js'
import { classificationReport } from '../../../../examples/tweets/model/metrics.js'
import { metricChecks } from './decide.js'
import { parsePolicy } from './policy.js'

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`)

describe('gate metrics', () => {
  test('classification: hand-computed values, the same as the example model reports them', () => {
    const truth = ['pos', 'pos', 'neg', 'neg', 'neu', 'neu']
    const predicted = ['pos', 'neg', 'neg', 'neg', 'pos', 'neu']
    const m = classificationMetrics(truth, predicted)
    close(m.accuracy, 4 / 6, 'accuracy')
    close(m['recall.neg'], 1, 'recall.neg')
    close(m['precision.neg'], 2 / 3, 'precision.neg')
    close(m['recall.pos'], 0.5, 'recall.pos')
    close(m.macro_recall, (1 + 0.5 + 0.5) / 3, 'macro_recall')
    const report = classificationReport(truth, predicted)
    close(m.macro_f1, report.macroF1, 'macro_f1 vs example')
    for (const c of ['pos', 'neg', 'neu']) close(m[`f1.${c}`], report.perClass[c].f1, `f1.${c}`)
    assert.equal(m.log_loss, undefined)
  })

  test('log-loss from class probabilities, clipped so a confident miss stays finite', () => {
    const m = classificationMetrics(['a', 'b'], ['a', 'a'], [{ a: 0.8, b: 0.2 }, { a: 1, b: 0 }])
    close(m.log_loss, (-Math.log(0.8) - Math.log(1e-15)) / 2, 'log_loss')
    assert.equal(classificationMetrics(['a', 'b'], ['a', 'a'], [{ a: 1 }, undefined]).log_loss, undefined)
  })

  test('regression and percentiles', () => {
    const m = regressionMetrics([1, 2, 3, 4], [1, 2, 3, 6])
    close(m.rmse, 1, 'rmse')
    close(m.mae, 0.5, 'mae')
    close(m.r2, 1 - 4 / 5, 'r2')
    assert.equal(percentile([5, 1, 4, 2, 3], 50), 3)
    assert.equal(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 95), 95)
  })

  test('relative bounds scale with the champion; minimized metrics improve downwards', () => {
    const policy = parsePolicy('primary: { metric: log_loss, min_improvement: "10%" }\nguards: [{ metric: accuracy, max_worsening: "5%" }]', '/x/gate.yaml')
    const names = { challenger: 'candidate', champion: 'champion' }
    const [primary, guard] = metricChecks(policy, { log_loss: 0.89, accuracy: 0.76 }, { log_loss: 1, accuracy: 0.8 }, names)
    assert.equal(primary.ok, true, primary.detail)
    assert.equal(guard.ok, true, guard.detail)
    const [worse, broken] = metricChecks(policy, { log_loss: 0.95, accuracy: 0.75 }, { log_loss: 1, accuracy: 0.8 }, names)
    assert.equal(worse.ok, false)
    assert.match(worse.detail, /not enough improvement, needs 10% \(0\.1\)/)
    assert.equal(broken.ok, false)
    assert.match(broken.detail, /worse by 0\.05, more than the allowed 5% \(0\.04\)/)
    assert.throws(() => metricChecks(policy, { accuracy: 1 }, { log_loss: 1, accuracy: 1 }, names), /candidate has no metric 'log_loss' \(the policy names it\); it has: accuracy/)
  })
})
