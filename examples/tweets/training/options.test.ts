import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseTrainingArgs } from './options.js'
import { shuffled } from './frozen-rows.js'

test('flags set the hyperparameters, environment variables fill in the rest, defaults otherwise', () => {
  const c = parseTrainingArgs(['--alpha', '0.5', '--no-bigrams', '--limit', '200', '--register', 'tweets-mood'], { TWEETS_MIN_COUNT: '5', TWEETS_ALPHA: '9', TWEETS_STEPS: '' })
  assert.deepEqual(c.hyperparameters, { alpha: 0.5, minCount: 5, bigrams: false })
  assert.equal(c.limit, 200)
  assert.equal(c.register, 'tweets-mood')
  assert.equal(c.steps, 5)
  assert.equal(c.seed, 42)
  assert.equal(c.data, 'tweets-landing')
  assert.equal(c.val, 'tweeteval-val')
  assert.deepEqual(parseTrainingArgs([], { TWEETS_PRIORS: 'empirical', TWEETS_BIGRAMS: '0', TWEETS_DATA: 'other' }).hyperparameters, { bigrams: false, priors: 'empirical' })
})

test('bad values are refused with the flag named', () => {
  assert.throws(() => parseTrainingArgs(['--alpha', '0'], {}), /--alpha must be a number above 0, got '0'/)
  assert.throws(() => parseTrainingArgs(['--limit', '2.5'], {}), /--limit must be a whole number/)
  assert.throws(() => parseTrainingArgs([], { TWEETS_MIN_COUNT: 'x' }), /--min-count/)
  assert.throws(() => parseTrainingArgs(['--priors', 'flat'], {}), /--priors must be uniform or empirical/)
  assert.throws(() => parseTrainingArgs(['--nope'], {}), /Unknown option/)
})

test('a seed names one order of the rows; other seeds give others; nothing is lost', () => {
  const rows = Array.from({ length: 100 }, (_, i) => i)
  assert.deepEqual(shuffled(rows, 7), shuffled(rows, 7))
  assert.notDeepEqual(shuffled(rows, 7), shuffled(rows, 8))
  assert.notDeepEqual(shuffled(rows, 7), rows)
  assert.deepEqual([...shuffled(rows, 7)].sort((a, b) => a - b), rows)
})
