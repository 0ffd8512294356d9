import { test } from 'node:test'
import assert from 'node:assert/strict'
import os from 'node:os'
import type { FastifyRequest } from 'fastify'
import { actorOf } from './registry-actor.js'

const request = (headers: Record<string, string>, identity?: string) => ({ headers, identity }) as unknown as FastifyRequest

test('who: the authenticated identity, else X-Railyard-User, else the server user', () => {
  assert.deepEqual(actorOf(request({ 'x-railyard-user': 'mallory' }, 'alice'), 'promote'), { who: 'alice', reason: 'promote' })
  assert.deepEqual(actorOf(request({ 'x-railyard-user': ' bob ' })), { who: 'bob', reason: undefined })
  assert.deepEqual(actorOf(request({ 'x-railyard-user': '' })), { who: os.userInfo().username, reason: undefined })
  assert.deepEqual(actorOf(request({}), ''), { who: os.userInfo().username, reason: undefined })
  assert.equal(actorOf(request({ 'x-railyard-user': 'x'.repeat(300) })).who.length, 256)
  assert.throws(() => actorOf(request({}), 'r'.repeat(5001)), /reason had length 5001/)
})
