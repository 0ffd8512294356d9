import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { test } from 'node:test'
import { OidSet } from './oid-set.js'

const oidOf = (algorithm: 'sha256' | 'blake3', seed: string) => `${algorithm}:${crypto.createHash('sha256').update(seed).digest('hex')}`

test('holds what a Set of strings holds, through many growths, for both algorithms and other strings', () => {
  const set = new OidSet()
  const reference = new Set<string>()
  for (let i = 0; i < 50_000; i++) {
    // The same digest under both algorithms is two different ids.
    const oid = oidOf(i % 3 === 0 ? 'blake3' : 'sha256', String(i % 40_000))
    set.add(oid)
    reference.add(oid)
    if (i % 10_000 === 0) {
      set.add(`not-an-id-${i}`)
      reference.add(`not-an-id-${i}`)
    }
  }
  assert.equal(set.size, reference.size)
  for (const oid of reference) assert.ok(set.has(oid), oid)
  for (let i = 0; i < 20_000; i++) {
    const absent = oidOf('sha256', `absent-${i}`)
    assert.equal(set.has(absent), false)
  }
  const sameDigest = oidOf('sha256', 'shared')
  set.add(sameDigest)
  assert.equal(set.has(sameDigest.replace('sha256:', 'blake3:')), false)
  assert.equal(set.has('not-an-id-0'), true)
  assert.equal(set.has('not-an-id-1'), false)
})

test('a million ids take 33 bytes a slot, at most 70 MiB in all', () => {
  const set = new OidSet()
  for (let i = 0; i < 1_000_000; i++) set.add(oidOf('blake3', String(i)))
  assert.equal(set.size, 1_000_000)
  // 2^21 slots: the table doubled at 70% load, so a million ids fill it to 48%.
  assert.equal(set.tableBytes, 2 ** 21 * 33)
  assert.ok(set.has(oidOf('blake3', '999999')))
  assert.equal(set.has(oidOf('sha256', '999999')), false)
})
