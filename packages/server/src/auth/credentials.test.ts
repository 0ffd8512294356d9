import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cookieCredentials, credentialsOf } from './credentials.js'

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

test("the UI's cookie is read by name", () => {
  assert.deepEqual(cookieCredentials('a=1; railyard_token=ryt_x%2By; b=2'), { token: 'ryt_x+y' })
  assert.equal(cookieCredentials('railyard_token=; a=1'), undefined)
  assert.equal(cookieCredentials('other_railyard_token=x'), undefined)
  assert.equal(cookieCredentials(undefined), undefined)
  assert.equal(cookieCredentials('railyard_token=%E0%A4%A'), undefined)
  assert.equal(cookieCredentials('railyard_token=ryt_%'), undefined)
})
