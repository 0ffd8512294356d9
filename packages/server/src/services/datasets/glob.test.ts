import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { checkGlob, globToRegExp, selectionOf, splitGlob } from './glob.js'

describe('dataset globs', () => {
  const cases: Array<[string, string[], string[]]> = [
    ['*.csv', ['a.csv', '.csv'], ['a/b.csv', 'a.csvx']],
    ['**/*.json', ['a.json', 'x/y/a.json'], ['a.jsonl']],
    ['data/**', ['data/a', 'data/b/c'], ['database/a']],
    ['2024-0?/*.csv', ['2024-01/a.csv'], ['2024-1/a.csv', '2024-01/x/a.csv']],
    ['{train,test}/*.csv', ['train/a.csv', 'test/b.csv'], ['val/a.csv']],
    ['[ab]*.txt', ['a1.txt', 'b.txt'], ['c.txt']],
    ['[!ab]*.txt', ['c.txt'], ['a.txt']],
    ['a.b+c(d)', ['a.b+c(d)'], ['aXb+c(d)']],
  ]
  for (const [glob, yes, no] of cases) {
    test(glob, () => {
      const re = globToRegExp(glob)
      for (const p of yes) assert.ok(re.test(p), `${glob} should match ${p}`)
      for (const p of no) assert.ok(!re.test(p), `${glob} should not match ${p}`)
    })
  }

  test('a glob splits into its wildcard-free folder and the pattern below it', () => {
    assert.deepEqual(splitGlob('tweets/2024-*/**/*.json'), { folder: 'tweets', pattern: '2024-*/**/*.json' })
    assert.deepEqual(splitGlob('*.csv'), { folder: '', pattern: '*.csv' })
    assert.deepEqual(splitGlob('data/train.csv'), { folder: 'data', pattern: 'train.csv' })
  })

  test('selection: glob pattern, includes and excludes together', () => {
    const s = selectionOf({ path: 'tweets', glob: 'tweets/**/*.json', include: ['2024-*/**'], exclude: ['**/tmp-*'] })
    assert.equal(s.root, 'tweets')
    assert.ok(s.matches('2024-01/a.json'))
    assert.ok(!s.matches('2023-01/a.json'))
    assert.ok(!s.matches('2024-01/tmp-a.json'))
    assert.ok(!s.matches('2024-01/a.txt'))
  })

  test('bad globs are rejected with the reason', () => {
    assert.throws(() => checkGlob('/abs/*', 'glob'), /relative/)
    assert.throws(() => checkGlob('a/../b', 'glob'), /'\.\.'/)
    assert.throws(() => checkGlob('a/[bc', 'glob'), /unclosed \[/)
    assert.throws(() => checkGlob('{a,b', 'glob'), /unclosed \{/)
  })
})
