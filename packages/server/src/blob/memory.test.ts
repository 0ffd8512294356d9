import { test } from 'node:test'
import assert from 'node:assert/strict'
import { testBlobStore } from './blob-suite.js'
import { MemoryBlobStore } from './memory.js'

testBlobStore('memory', async () => ({ store: new MemoryBlobStore(), async dispose() {} }))

test('memory stores are separate from each other', async () => {
  const a = new MemoryBlobStore()
  const b = new MemoryBlobStore()
  await a.put('k', Buffer.from('a'))
  assert.equal(await a.exists('k'), true)
  assert.equal(await b.exists('k'), false)
})

test('a stored buffer is a copy: changing the caller\'s buffer later changes nothing', async () => {
  const store = new MemoryBlobStore()
  const body = Buffer.from('before')
  await store.put('k', body)
  body.write('AFTER!')
  const chunks: Buffer[] = []
  for await (const c of await store.get('k')) chunks.push(c)
  assert.equal(Buffer.concat(chunks).toString(), 'before')
})
