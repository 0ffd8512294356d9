import { test } from 'node:test'
import assert from 'node:assert/strict'
import Sqlite from 'better-sqlite3'
import { StatementCache } from './sqlite-statement-cache.js'

test('statement cache: reuses statements, gives a busy one a fresh twin, and stays bounded', () => {
  const db = new Sqlite(':memory:')
  db.exec('CREATE TABLE t (n INTEGER)')
  db.exec('INSERT INTO t VALUES (1), (2), (3)')
  const cache = new StatementCache(db, 2)

  const select = cache.prepare('SELECT n FROM t ORDER BY n')
  assert.equal(cache.prepare('SELECT n FROM t ORDER BY n'), select)

  // While one statement iterates (a streamed query), the same SQL must still run.
  const seen: number[] = []
  for (const row of select.iterate() as IterableIterator<{ n: number }>) {
    const again = cache.prepare('SELECT n FROM t ORDER BY n')
    assert.notEqual(again, select)
    assert.equal((again.all() as unknown[]).length, 3)
    seen.push(row.n)
  }
  assert.deepEqual(seen, [1, 2, 3])
  assert.equal(cache.prepare('SELECT n FROM t ORDER BY n'), select)

  // Least recently used out: a third text evicts the older of two.
  const count = cache.prepare('SELECT count(*) AS c FROM t')
  cache.prepare('SELECT n FROM t ORDER BY n')
  cache.prepare('SELECT max(n) AS m FROM t')
  assert.equal(cache.prepare('SELECT n FROM t ORDER BY n'), select)
  assert.notEqual(cache.prepare('SELECT count(*) AS c FROM t'), count)
  db.close()
})
