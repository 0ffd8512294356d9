import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { InvalidParameterError } from '@railyard/api'
import { createBlobStore } from './create-blob-store.js'
import { LocalBlobStore } from './local.js'
import { MemoryBlobStore } from './memory.js'
import { S3BlobStore } from './s3.js'
import { AzureBlobStore } from './azure.js'

test('folder paths and file: URLs give a local store at that folder', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-create-'))
  try {
    for (const location of [dir, pathToFileURL(dir).href, `file:${dir}`]) {
      const store = await createBlobStore(location)
      assert.ok(store instanceof LocalBlobStore, location)
      assert.equal(store.root, dir)
    }
    const relative = await createBlobStore('some/relative')
    assert.equal((relative as LocalBlobStore).root, path.resolve('some/relative'))
    const store = await createBlobStore(pathToFileURL(path.join(dir, 'with space')).href)
    await store.put('k', Buffer.from('v'))
    assert.equal(fs.readFileSync(path.join(dir, 'with space', 'k'), 'utf8'), 'v')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('memory: gives a new empty store each time', async () => {
  const a = await createBlobStore('memory:')
  const b = await createBlobStore('memory:')
  assert.ok(a instanceof MemoryBlobStore)
  await a.put('k', Buffer.from('v'))
  assert.equal(await b.exists('k'), false)
})

test('s3:// and azure:// load their adapters', async () => {
  const s3 = await createBlobStore('s3://my-bucket/some/prefix?endpoint=http://127.0.0.1:9&region=us-east-1&path_style=true')
  assert.ok(s3 instanceof S3BlobStore)
  process.env.RAILYARD_TEST_AZURE_CONN =
    'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;'
  try {
    const azure = await createBlobStore('azure://devstoreaccount1/artifacts/p?connection_string_env=RAILYARD_TEST_AZURE_CONN')
    assert.ok(azure instanceof AzureBlobStore)
  } finally {
    delete process.env.RAILYARD_TEST_AZURE_CONN
  }
})

test('unknown schemes and empty locations are INVALID_PARAMETER_VALUE', async () => {
  for (const location of ['', '  ', 'gs://bucket/x', 'http://example.com/x', 'mlflow-artifacts:/0']) {
    await assert.rejects(createBlobStore(location), InvalidParameterError, JSON.stringify(location))
  }
})
