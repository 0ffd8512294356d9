import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { parsePolicy, PolicyError } from './policy.js'

const FILE = '/repo/ci/gate.yaml'
const parse = (text: string) => parsePolicy(text, FILE, 'gate.yaml')
const rejects = (text: string, message: RegExp) => assert.throws(() => parse(text), (err: Error) => err instanceof PolicyError && message.test(err.message))

describe('gate policy', () => {
  test('a full policy: bounds, sizes, directions, paths resolved from the policy folder', () => {
    const p = parse(`
version: 1
task: classification
primary: { metric: macro_f1, min_improvement: "2%" }
guards:
  - metric: recall.negative
    max_worsening: 0.03
  - { metric: log_loss, max_worsening: 0.1 }
floors: { macro_f1: 0.4, log_loss: 1.2 }
limits: { max_model_bytes: 5MB, max_p95_latency_ms: 20, latency_samples: 50 }
behavioural_tests: [behaviour.jsonl, { file: ../more/inv.jsonl, min_pass_rate: 0.9 }]
evaluation: { dataset: tweets-eval, version: 3f2a9c1d0b7e, file: val.jsonl, text_field: text, limit: 500, module: ./evaluate.mjs }
`)
    assert.deepEqual(p.primary, { metric: 'macro_f1', direction: 'maximize', minImprovement: { value: 0.02, relative: true } })
    assert.deepEqual(p.guards, [
      { metric: 'recall.negative', direction: 'maximize', maxWorsening: { value: 0.03, relative: false } },
      { metric: 'log_loss', direction: 'minimize', maxWorsening: { value: 0.1, relative: false } },
    ])
    assert.deepEqual(p.floors, [
      { metric: 'macro_f1', direction: 'maximize', value: 0.4 },
      { metric: 'log_loss', direction: 'minimize', value: 1.2 },
    ])
    assert.deepEqual(p.limits, { maxModelBytes: 5_000_000, maxP95LatencyMs: 20, latencySamples: 50 })
    assert.deepEqual(p.behaviouralTests, [
      { file: path.resolve('/repo/ci/behaviour.jsonl'), minPassRate: 1 },
      { file: path.resolve('/repo/more/inv.jsonl'), minPassRate: 0.9 },
    ])
    assert.deepEqual(p.evaluation, {
      source: { kind: 'dataset', dataset: 'tweets-eval', version: '3f2a9c1d0b7e' },
      file: 'val.jsonl',
      labelField: 'label',
      textField: 'text',
      limit: 500,
      module: path.resolve('/repo/ci/evaluate.mjs'),
    })
  })

  test('the smallest policy: a primary metric; logged metrics with the evaluation context', () => {
    const p = parse('primary:\n  metric: rmse\ntask: regression\n')
    assert.deepEqual(p.primary, { metric: 'rmse', direction: 'minimize', minImprovement: { value: 0, relative: false } })
    assert.equal(p.evaluation, undefined)
    assert.deepEqual(p.loggedMetrics, { context: 'evaluation', dataset: undefined })
    assert.deepEqual(parse('primary: { metric: f1 }\nevaluation: { dataset: d, frozen_for: churn }').evaluation?.source, { kind: 'frozen', dataset: 'd', experiment: 'churn' })
    assert.deepEqual(parse('primary: { metric: f1 }\nevaluation: { path: data/val.jsonl }').evaluation?.source, { kind: 'path', path: path.resolve('/repo/ci/data/val.jsonl') })
    assert.equal(parse('primary: { metric: auc }\nlimits: { max_model_bytes: 2 MiB }').limits.maxModelBytes, 2 * 1024 * 1024)
  })

  test('every mistake names the file and the field', () => {
    rejects('primary: [', /^gate\.yaml: not valid YAML \(line \d+, column \d+\)/)
    rejects('guards: []', /^gate\.yaml: primary is required$/)
    rejects('primary: macro_f1', /^gate\.yaml: primary must be a mapping \(key: value lines\), got 'macro_f1'$/)
    rejects('primary: { metric: f1, min_improvement: lots }', /primary\.min_improvement must be a number of at least 0 \(absolute\) or a percentage like '2%'.*got 'lots'/)
    rejects('primary: { metric: f1, direction: up }', /primary\.direction must be one of 'maximize', 'minimize', got 'up'/)
    rejects('primary: { metric: f1 }\nguards: [{ metric: recall.neg, max_drop: 1 }]', /guards\[0\]\.max_drop is not a known field \(expected one of: metric, direction, max_worsening\)/)
    rejects('primary: { metric: f1 }\nguards: { metric: x }', /guards must be a list/)
    rejects('primry: { metric: f1 }', /^gate\.yaml: primry is not a known field \(expected one of: version, task, primary/)
    rejects('primary: { metric: f1 }\nfloors: { f1: high }', /floors\.f1 must be a number, got 'high'/)
    rejects('primary: { metric: f1 }\nlimits: { max_model_bytes: huge }', /limits\.max_model_bytes must be a number of bytes or a size like '5MB'/)
    rejects('primary: { metric: f1 }\nlimits: { max_p95_latency_ms: 0 }', /limits\.max_p95_latency_ms must be greater than 0/)
    rejects('primary: { metric: f1 }\nbehavioural_tests: [{ file: a.jsonl, min_pass_rate: 2 }]', /behavioural_tests\[0\]\.min_pass_rate must be between 0 and 1/)
    rejects('primary: { metric: f1 }\nevaluation: { dataset: d }', /evaluation\.version is required with evaluation\.dataset/)
    rejects('primary: { metric: f1 }\nevaluation: { dataset: d, version: latest, frozen_for: x }', /evaluation\.frozen_for cannot be combined with evaluation\.version/)
    rejects('primary: { metric: f1 }\nevaluation: { path: a.jsonl, dataset: d }', /evaluation\.dataset cannot be combined with evaluation\.path/)
    rejects('primary: { metric: f1 }\nevaluation: { label_field: y }', /evaluation needs either dataset/)
    rejects('primary: { metric: f1 }\nevaluation: { path: a.jsonl }\nlogged_metrics: { context: test }', /logged_metrics cannot be combined with evaluation/)
    rejects('primary: { metric: f1 }\ntask: ranking', /task must be one of 'classification', 'regression', got 'ranking'/)
    rejects('primary: { metric: f1 }\nprimary: { metric: f2 }', /not valid YAML/)
  })
})
