import { test } from 'node:test'
import assert from 'node:assert/strict'
import { credentialsOf } from './credentials.js'

const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`

test('Bearer and Basic (user:token) are read; anything else is no credentials', () => {
  assert.deepEqual(credentialsOf('Bearer ryt_abc'), { token: 'ryt_abc' })
  assert.deepEqual(credentialsOf('bearer  ryt_abc '), { token: 'ryt_abc' })
  assert.deepEqual(credentialsOf(basic('alice:ryt_a:b')), { user: 'alice', token: 'ryt_a:b' })
  assert.equal(credentialsOf(undefined), undefined)
  assert.equal(credentialsOf('Bearer '), undefined)
  assert.equal(credentialsOf('Token x'), undefined)
  assert.equal(credentialsOf(basic('alice')), undefined)
  assert.equal(credentialsOf(basic('alice:')), undefined)
})
