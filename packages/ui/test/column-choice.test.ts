import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Run } from '@railyard/api'
import {
  DEFAULT_LIMITS,
  defaultChoice,
  isDefaultChoice,
  matchingKeys,
  parseChoice,
  setAll,
  setShown,
  shownColumns,
  type GroupKeys,
} from '../src/lib/column-choice.js'

const run = (params: Record<string, string>): Run =>
  ({
    info: { run_id: Math.random().toString(16).slice(2), experiment_id: '1', status: 'FINISHED', start_time: 1, lifecycle_stage: 'active' },
    data: { params: Object.entries(params).map(([key, value]) => ({ key, value })) },
  }) as unknown as Run

const range = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`)

test('by default every metric up to the limit shows, and the params that differ between runs come first', () => {
  const params = range('p', 10)
  const runs = [run({ p00: 'a', p07: '1', p09: 'x' }), run({ p00: 'a', p07: '2', p09: 'y' })]
  const keys: GroupKeys = { metric: range('m', 20), param: params, tag: ['team'] }
  const shown = shownColumns(keys, runs, defaultChoice())
  assert.deepEqual(shown.metric, range('m', DEFAULT_LIMITS.metric))
  // p07 and p09 differ (p01… are missing from both runs alike), then the first keys fill the rest; key order is kept.
  assert.equal(shown.param.length, DEFAULT_LIMITS.param)
  assert.deepEqual(shown.param, ['p00', 'p01', 'p02', 'p03', 'p07', 'p09'])
  assert.deepEqual(shown.tag, ['team'])
})

test('a key shown or hidden one by one overrides the default; the others keep it', () => {
  const keys: GroupKeys = { metric: ['acc', 'loss', 'f1'], param: range('p', 8), tag: [] }
  let choice = setShown(defaultChoice(), 'metric', ['loss'], false)
  choice = setShown(choice, 'param', ['p07'], true)
  const shown = shownColumns(keys, [], choice)
  assert.deepEqual(shown.metric, ['acc', 'f1'])
  assert.deepEqual(shown.param, [...range('p', 6), 'p07'])
  // Showing it again moves it from hidden to shown, not into both.
  choice = setShown(choice, 'metric', ['loss'], true)
  assert.deepEqual(choice.metric, { rest: 'default', shown: ['loss'], hidden: [] })
})

test('hide all then show one; show all reaches keys that later runs log', () => {
  const keys: GroupKeys = { metric: ['acc', 'loss'], param: ['a', 'b'], tag: ['t'] }
  let choice = setAll(defaultChoice(), 'metric', false)
  choice = setShown(choice, 'metric', ['loss'], true)
  assert.deepEqual(shownColumns(keys, [], choice).metric, ['loss'])
  assert.deepEqual(shownColumns({ ...keys, metric: ['acc', 'auc', 'loss'] }, [], choice).metric, ['loss'], 'a new metric stays hidden after Hide all')
  choice = setAll(choice, 'param', true)
  assert.deepEqual(shownColumns({ ...keys, param: range('p', 12) }, [], choice).param, range('p', 12))
  assert.equal(isDefaultChoice(choice), false)
  assert.equal(isDefaultChoice(defaultChoice()), true)
})

test('a stored choice round-trips through JSON; anything else reads as the default', () => {
  const choice = setShown(setAll(defaultChoice(), 'tag', true), 'param', ['__proto__', 'lr'], false)
  const back = parseChoice(JSON.stringify(choice))
  assert.deepEqual(back, choice)
  assert.deepEqual(shownColumns({ metric: [], param: ['__proto__', 'lr', 'seed'], tag: [] }, [], back).param, ['seed'])
  for (const bad of [null, '', 'not json', '42', 'null', '[]', '{"metric":{"rest":"sometimes","shown":[1,"a"]}}']) {
    const parsed = parseChoice(bad)
    assert.equal(parsed.param.rest, 'default', String(bad))
    assert.ok(Array.isArray(parsed.metric.shown) && parsed.metric.shown.every((k) => typeof k === 'string'), String(bad))
  }
  assert.deepEqual(parseChoice('{"metric":{"rest":"sometimes","shown":[1,"a"]}}').metric, { rest: 'default', shown: ['a'], hidden: [] })
})

test('the search matches any part of a key, ignoring case', () => {
  const keys = ['val_loss', 'train_loss', 'Val_Accuracy', 'rows_seen']
  assert.deepEqual(matchingKeys(keys, 'VAL'), ['val_loss', 'Val_Accuracy'])
  assert.deepEqual(matchingKeys(keys, '  loss '), ['val_loss', 'train_loss'])
  assert.deepEqual(matchingKeys(keys, ''), keys)
  assert.deepEqual(matchingKeys(keys, 'nothing'), [])
})
