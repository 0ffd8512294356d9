import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { InvalidParameterError } from '@railyard/api'
import { parseOrderBy } from './order-by-parser.js'
import { EXPERIMENT_SEARCH, REGISTERED_MODEL_SEARCH, RUN_SEARCH } from './policies.js'
import type { IdentifierPolicy } from './policy.js'

function rejects(clauses: string[], message: RegExp, policy: IdentifierPolicy = RUN_SEARCH) {
  assert.throws(
    () => parseOrderBy(clauses, policy),
    (err: unknown) => err instanceof InvalidParameterError && message.test(err.message),
  )
}

describe('parseOrderBy', () => {
  test('keys with and without a direction, most significant first', () => {
    assert.deepEqual(parseOrderBy(['metrics.acc DESC', 'attributes.start_time', 'params.lr asc', 'tags.t'], RUN_SEARCH), [
      { type: 'metric', key: 'acc', ascending: false },
      { type: 'attribute', key: 'start_time', ascending: true },
      { type: 'param', key: 'lr', ascending: true },
      { type: 'tag', key: 't', ascending: true },
    ])
  })

  test('quoted keys, aliases, bare attributes; blank clauses are skipped', () => {
    assert.deepEqual(parseOrderBy(['metrics.`f1 score` desc', '', 'created', '  '], RUN_SEARCH), [
      { type: 'metric', key: 'f1 score', ascending: false },
      { type: 'attribute', key: 'start_time', ascending: true },
    ])
    assert.deepEqual(parseOrderBy(undefined, RUN_SEARCH), [])
  })

  test('experiments order by their own attributes, including the id filters cannot use', () => {
    assert.deepEqual(
      parseOrderBy(['name', 'experiment_id DESC', 'last_update_time'], EXPERIMENT_SEARCH).map((o) => o.key),
      ['name', 'experiment_id', 'last_update_time'],
    )
    assert.equal(parseOrderBy(['timestamp DESC'], REGISTERED_MODEL_SEARCH)[0].key, 'creation_timestamp')
  })

  test('a bad direction or trailing tokens', () => {
    rejects(['metrics.acc DOWN'], /^Invalid order_by clause 'metrics.acc DOWN': unexpected token 'DOWN' at position 12; expected ASC or DESC$/)
    rejects(['metrics.acc DESC NULLS LAST'], /unexpected token 'NULLS' at position 17; expected the end of the clause/)
    rejects(['metrics.acc, params.lr'], /unexpected token ',' at position 11/)
  })

  test('no key', () => {
    rejects(['DESC'], /unexpected token 'DESC' at position 0; expected a sort key/)
    rejects(["'x'"], /unexpected token 'x' at position 0; expected a sort key/)
  })

  test('unknown or unsortable keys', () => {
    rejects(['metricz.acc'], /invalid entity type 'metricz' at position 0/)
    rejects(['owner'], /invalid attribute key 'owner' at position 0; valid keys are run_id/)
    rejects(['datasets.name'], /invalid dataset key 'name' at position 9; datasets cannot be used in order_by/)
    rejects(['tags.team'], /cannot order by tags \('tags.team' at position 0\)/, EXPERIMENT_SEARCH)
    rejects(['metrics.acc DESC'], /invalid entity type 'metrics'/, EXPERIMENT_SEARCH)
  })

  test('lexical errors carry the order_by wording', () => {
    rejects(['metrics.`acc'], /^Invalid order_by clause 'metrics.`acc': unterminated quoted name starting at position 8/)
    rejects(['metrics.acc;'], /unexpected character ';' at position 11/)
  })

  test('the same key twice, aliases included', () => {
    rejects(['metrics.acc', 'metrics.acc DESC'], /`order_by` contains duplicate fields/)
    rejects(['start_time', 'created DESC'], /`order_by` contains duplicate fields/)
  })
})
