import { test } from 'node:test'
import assert from 'node:assert/strict'
import { newRunId } from './run-ids.js'

test('run ids are 32 hex digits in UUIDv7 layout, time-ordered across milliseconds and unique', () => {
  const ids = Array.from({ length: 2000 }, (_, i) => newRunId(1_700_000_000_000 + Math.floor(i / 100)))
  for (const id of ids) {
    assert.match(id, /^[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}$/)
  }
  assert.equal(ids[0].slice(0, 12), (1_700_000_000_000).toString(16).padStart(12, '0'))
  assert.equal(new Set(ids).size, ids.length)
  // Ids from a later millisecond sort after every id of an earlier one.
  for (let i = 100; i < ids.length; i += 100) assert.ok(ids[i - 1] < ids[i])
})
