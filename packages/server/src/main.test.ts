import { test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { resolveDestination } from './main.js'

test('artifact destinations: folders become absolute, URLs are kept for the blob store factory', () => {
  assert.equal(resolveDestination('mlartifacts'), path.resolve('mlartifacts'))
  assert.equal(resolveDestination('/srv/artifacts'), '/srv/artifacts')
  const s3 = 's3://artifacts/rail?endpoint=http://127.0.0.1:9000&path_style=true'
  assert.equal(resolveDestination(s3), s3)
  assert.equal(resolveDestination('azure://devstoreaccount1/artifacts'), 'azure://devstoreaccount1/artifacts')
  assert.equal(resolveDestination('file:///srv/artifacts'), 'file:///srv/artifacts')
  assert.equal(resolveDestination('memory:'), 'memory:')
})
