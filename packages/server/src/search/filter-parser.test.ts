import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { InvalidParameterError } from '@railyard/api'
import { parseFilter } from './filter-parser.js'
import { EXPERIMENT_SEARCH, MODEL_VERSION_SEARCH, REGISTERED_MODEL_SEARCH, RUN_SEARCH } from './policies.js'
import type { IdentifierPolicy } from './policy.js'

const runs = (filter: string) => parseFilter(filter, RUN_SEARCH)

/** Asserts the filter is rejected as INVALID_PARAMETER_VALUE with a message matching `message`. */
function rejects(filter: string, message: RegExp | string, policy: IdentifierPolicy = RUN_SEARCH) {
  assert.throws(
    () => parseFilter(filter, policy),
    (err: unknown) => {
      assert.ok(err instanceof InvalidParameterError, `expected InvalidParameterError, got ${err}`)
      assert.equal(err.code, 'INVALID_PARAMETER_VALUE')
      if (typeof message === 'string') assert.equal(err.message, message)
      else assert.match(err.message, message)
      return true
    },
  )
}

describe('parseFilter: what it accepts', () => {
  test('empty and blank filters match everything', () => {
    assert.deepEqual(parseFilter(undefined, RUN_SEARCH), [])
    assert.deepEqual(runs(''), [])
    assert.deepEqual(runs('   '), [])
  })

  test('every comparator, keywords in any case', () => {
    assert.deepEqual(
      runs(
        "metrics.a = 1 AND metrics.a != 1 and metrics.a < 1 AnD metrics.a <= 1 AND metrics.a > 1 AND metrics.a >= 1 " +
          "AND params.p LIKE 'x%' AND params.p ilike 'X%' AND run_id in ('a') AND run_id NOT in ('b', 'c') " +
          'AND tags.t IS NULL AND tags.t is not null',
      ).map((c) => c.comparator),
      ['=', '!=', '<', '<=', '>', '>=', 'LIKE', 'ILIKE', 'IN', 'NOT IN', 'IS NULL', 'IS NOT NULL'],
    )
  })

  test('comparisons keep their type, key and typed value', () => {
    assert.deepEqual(runs("metrics.acc > 0.9 AND params.lr = '0.1'"), [
      { type: 'metric', key: 'acc', comparator: '>', value: { kind: 'number', value: 0.9 } },
      { type: 'param', key: 'lr', comparator: '=', value: { kind: 'string', value: '0.1' } },
    ])
    assert.deepEqual(runs("attributes.run_id IN ('a', \"b\")")[0].value, { kind: 'list', values: ['a', 'b'] })
    assert.deepEqual(runs('tags.t IS NULL')[0].value, { kind: 'none' })
  })

  test('every prefix spelling maps to its type', () => {
    const types = (prefixes: string[], rest: string) => prefixes.map((p) => runs(`${p}.${rest}`)[0].type)
    assert.deepEqual(types(['metrics', 'metric', 'METRICS'], 'a > 1'), ['metric', 'metric', 'metric'])
    assert.deepEqual(types(['params', 'param', 'parameters', 'parameter'], "a = 'x'"), ['param', 'param', 'param', 'param'])
    assert.deepEqual(types(['tags', 'tag'], "a = 'x'"), ['tag', 'tag'])
    assert.deepEqual(types(['attributes', 'attribute', 'attr', 'run'], "status = 'x'"), Array(4).fill('attribute'))
    assert.deepEqual(types(['datasets', 'dataset'], "digest = 'x'"), ['dataset', 'dataset'])
    assert.equal(runs("status = 'FINISHED'")[0].type, 'attribute')
  })

  test('quoted keys: backticks, double and single quotes, spaces and dots inside', () => {
    assert.equal(runs('metrics.`f1 score` > 0.5')[0].key, 'f1 score')
    assert.equal(runs('metrics."f1 score" > 0.5')[0].key, 'f1 score')
    assert.equal(runs("params.'batch size' = '32'")[0].key, 'batch size')
    assert.equal(runs("tags.`mlflow.source.name` = 'x'")[0].key, 'mlflow.source.name')
  })

  test('bare keys may hold the characters MLflow allows in names', () => {
    assert.equal(runs("tags.mlflow.runName = 'x'")[0].key, 'mlflow.runName')
    assert.equal(runs('metrics.train/loss-avg:1 < 2')[0].key, 'train/loss-avg:1')
    assert.equal(runs('metrics.précision>0.5')[0].key, 'précision')
  })

  test('aliases resolve to the column they name', () => {
    assert.equal(runs('created > 5')[0].key, 'start_time')
    assert.equal(runs('attributes.Created > 5')[0].key, 'start_time')
    assert.equal(runs("`Run name` = 'x'")[0].key, 'run_name')
    assert.equal(runs("attributes.`run name` LIKE 'x%'")[0].key, 'run_name')
    assert.equal(runs('"start_time" > 5')[0].key, 'start_time')
  })

  test('numbers: signs, decimals, exponents, no spaces needed', () => {
    const value = (f: string) => (runs(f)[0].value as { value: number }).value
    assert.equal(value('metrics.a>-1'), -1)
    assert.equal(value('metrics.a >= +2.5'), 2.5)
    assert.equal(value('metrics.a < 1e-3'), 0.001)
    assert.equal(value('metrics.a < .5'), 0.5)
    assert.equal(value('metrics.a < 1E400'), Infinity)
  })

  test('strings: either quote, doubled or backslash-escaped quotes, wildcards kept', () => {
    const value = (f: string) => (runs(f)[0].value as { value: string }).value
    assert.equal(value("params.p = 'it''s'"), "it's")
    assert.equal(value("params.p = 'it\\'s'"), "it's")
    assert.equal(value('params.p = "say ""hi"""'), 'say "hi"')
    assert.equal(value("params.p LIKE '%a_b%'"), '%a_b%')
    assert.equal(value("params.p = ''"), '')
    assert.equal(value("params.p = 'AND OR'"), 'AND OR')
  })

  test('datasets: name, digest and context, with lists', () => {
    assert.deepEqual(
      runs("datasets.name IN ('a', 'b') AND datasets.digest = 'd' AND datasets.context LIKE 'tr%'").map((c) => c.key),
      ['name', 'digest', 'context'],
    )
  })
})

describe('parseFilter: every kind of error names the token and its position', () => {
  test('an unknown operator', () => {
    rejects('metrics.acc >> 1', /^Invalid filter 'metrics.acc >> 1': unexpected token '>>' at position 12; expected a comparator/)
    rejects('metrics.acc == 1', /unexpected token '==' at position 12/)
    rejects("params.p <> 'a'", /unexpected token '<>' at position 9/)
  })

  test('OR, as MLflow words it', () => {
    rejects('metrics.a > 1 OR metrics.b > 2', /^Invalid clause\(s\) in filter string: 'OR' \(at position 14;/)
  })

  test('anything but AND between comparisons', () => {
    rejects("metrics.a > 1 params.b = 'x'", /unexpected token 'params.b' at position 14; expected AND or the end of the filter/)
    rejects('metrics.a > 1 AND', /unexpected end of filter at position 17; expected an identifier/)
    rejects('AND metrics.a > 1', /unexpected token 'AND' at position 0; expected an identifier/)
  })

  test('grouping and negation, which MLflow does not have', () => {
    rejects('(metrics.a > 1)', /unexpected token '\(' at position 0/)
    rejects('NOT metrics.a > 1', /unexpected token 'NOT' at position 0/)
  })

  test('characters the grammar has no use for', () => {
    rejects('metrics.a > 1;', /unexpected character ';' at position 13/)
    rejects('metrics.a > 1abc', /unexpected token '1abc' at position 12/)
    rejects('metrics.a > 1.2.3', /unexpected token '1.2.3' at position 12/)
  })

  test('unterminated quotes', () => {
    rejects("params.p = 'abc", /unterminated string starting at position 11/)
    rejects('metrics.`f1 score > 1', /unterminated quoted name starting at position 8/)
  })

  test('a prefix without a key', () => {
    rejects('metrics. > 1', /missing key after 'metrics.' at position 8/)
  })

  test('an unknown prefix or key', () => {
    rejects('metricz.acc > 1', /invalid entity type 'metricz' at position 0; valid types are metrics, params, tags, attributes, datasets/)
    rejects("attributes.owner = 'x'", /invalid attribute key 'owner' at position 11; valid keys are run_id, run_name/)
    rejects('acc > 1', /invalid attribute key 'acc' at position 0/)
    rejects("datasets.source = 'x'", /invalid dataset key 'source' at position 9; valid keys are name, digest, context/)
  })

  test('a comparator the identifier does not take', () => {
    rejects("metrics.acc LIKE '1%'", /comparator 'LIKE' at position 12 cannot be used with 'metrics.acc'; use one of =, !=, <, <=, >, >=/)
    rejects("params.lr > '0.1'", /comparator '>' at position 10 cannot be used with 'params.lr'/)
    rejects("status IN ('FINISHED')", /comparator 'IN' at position 7 cannot be used with 'status'/)
    rejects('metrics.acc IS NULL', /comparator 'IS NULL' at position 12 cannot be used/)
    rejects("start_time LIKE '1%'", /comparator 'LIKE' at position 11/)
  })

  test('a value of the wrong type', () => {
    rejects("metrics.acc > '0.9'", /expected a number for 'metrics.acc', got the string '0.9' at position 14/)
    rejects("end_time < 'yesterday'", /expected a number for 'end_time'/)
    rejects('params.lr = 0.1', /expected a quoted string for 'params.lr' \(e.g. '0.1'\), got the number 0.1 at position 12/)
    rejects('tags.t = `x`', /unexpected token '`x`' at position 9; expected a quoted string/)
    rejects('params.lr = lr', /unexpected token 'lr' at position 12; expected a quoted string/)
  })

  test('a missing value or comparator', () => {
    rejects('metrics.acc >', /unexpected end of filter at position 13; expected a number/)
    rejects('metrics.acc', /unexpected end of filter at position 11; expected a comparator/)
  })

  test('malformed lists', () => {
    rejects('run_id IN ()', /empty list at position 10/)
    rejects("run_id IN ('a' 'b')", /unexpected token 'b' at position 15; expected ',' or '\)'/)
    rejects("run_id IN ('a',", /unexpected end of filter at position 15; expected a quoted string/)
    rejects('run_id IN (1, 2)', /unexpected token '1' at position 11; expected a quoted string/)
    rejects("run_id IN 'a'", /unexpected token 'a' at position 10; expected a list/)
  })

  test('half-written NOT IN and IS NULL', () => {
    rejects("run_id NOT LIKE 'a'", /unexpected token 'LIKE' at position 11; expected IN after 'NOT'/)
    rejects('tags.t IS 5', /unexpected token '5' at position 10; expected NULL or NOT NULL/)
    rejects('tags.t IS NOT 5', /expected NULL after 'IS NOT'/)
  })

  test('long filters are echoed in part; positions still count from the start', () => {
    const long = `${"params.p = 'x' AND ".repeat(20)}metrics.a >> 1`
    rejects(long, new RegExp(`…': unexpected token '>>' at position ${long.indexOf('>>')}`))
  })
})

describe('parseFilter with the other entities’ policies', () => {
  test('experiments: name, times and tags; no runs identifiers', () => {
    assert.deepEqual(
      parseFilter("name LIKE 'a%' AND attributes.creation_time > 5 AND tags.team IS NOT NULL", EXPERIMENT_SEARCH).map(
        (c) => [c.type, c.key, c.comparator],
      ),
      [
        ['attribute', 'name', 'LIKE'],
        ['attribute', 'creation_time', '>'],
        ['tag', 'team', 'IS NOT NULL'],
      ],
    )
    rejects('metrics.a > 1', /invalid entity type 'metrics' at position 0; valid types are attributes, tags/, EXPERIMENT_SEARCH)
    rejects("experiment_id = '1'", /invalid attribute key 'experiment_id' at position 0; valid keys are name, creation_time, last_update_time/, EXPERIMENT_SEARCH)
    rejects("name IN ('a')", /comparator 'IN' at position 5 cannot be used with 'name'/, EXPERIMENT_SEARCH)
  })

  test('registered models: name and tags', () => {
    assert.equal(parseFilter("name ILIKE '%Net%' AND tags.stage = 'x'", REGISTERED_MODEL_SEARCH).length, 2)
    rejects('creation_timestamp > 1', /invalid attribute key 'creation_timestamp'/, REGISTERED_MODEL_SEARCH)
  })

  test('model versions: run_id lists, numeric version, source_path', () => {
    const parsed = parseFilter(
      "name = 'm' AND run_id IN ('a', 'b') AND version_number >= 2 AND source_path LIKE 's3://%' AND tags.k = 'v'",
      MODEL_VERSION_SEARCH,
    )
    assert.deepEqual(parsed.map((c) => c.key), ['name', 'run_id', 'version_number', 'source_path', 'k'])
    rejects("run_id LIKE 'a%'", /comparator 'LIKE' at position 7 cannot be used with 'run_id'; use one of =, !=, IN, NOT IN/, MODEL_VERSION_SEARCH)
  })
})
