// `--artifacts-destination s3://…` and `azure://…`: run artifacts and registered model copies live in
// object storage (an S3-compatible server and Azurite, started here), not on the server's disk.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { BlobServiceClient } from '@azure/storage-blob'
import { startS3Server, type S3TestServer } from '../../../../scripts/s3-server.mjs'
import { startAzurite, type AzuriteServer } from '../../../../scripts/azurite.mjs'
import { buildApp, type App } from '../app.js'
import { createBlobStore } from '../blob/create-blob-store.js'
import type { BlobStore } from '../blob/blob.js'
import { createTestDatabase, type TestDatabase } from '../testing/databases.js'
import { readAll } from '../testing/byte-streams.js'
import { registryClient, uploadArtifact, waitUntilRegistered } from './registry-fixtures.js'

interface Remote {
  destination: string
  stop(): Promise<void>
}

const remotes: Record<string, () => Promise<Remote>> = {
  s3: async () => {
    const s3: S3TestServer = await startS3Server({ buckets: ['artifacts'] })
    process.env.RY_TEST_S3_KEY = s3.credentials.accessKeyId
    process.env.RY_TEST_S3_SECRET = s3.credentials.secretAccessKey
    const q = new URLSearchParams({
      endpoint: s3.endpoint,
      path_style: 'true',
      region: 'us-east-1',
      access_key_id_env: 'RY_TEST_S3_KEY',
      secret_access_key_env: 'RY_TEST_S3_SECRET',
    })
    return { destination: `s3://artifacts/railyard?${q}`, stop: () => s3.stop() }
  },
  azure: async () => {
    const azurite: AzuriteServer = await startAzurite()
    await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('artifacts').create()
    process.env.RY_TEST_AZURE = azurite.connectionString
    return { destination: `azure://${azurite.account}/artifacts/railyard?connection_string_env=RY_TEST_AZURE`, stop: () => azurite.stop() }
  },
}

for (const [kind, start] of Object.entries(remotes)) {
  describe(`artifacts and registry copies in ${kind} object storage`, () => {
    let remote: Remote
    let db: TestDatabase
    let app: App
    let bucket: BlobStore

    before(async () => {
      remote = await start()
      db = await createTestDatabase('sqlite')
      app = await buildApp({ backendStoreUri: db.uri, artifactsDestination: remote.destination, defaultArtifactRoot: 'mlflow-artifacts:' })
      bucket = await createBlobStore(remote.destination)
    })
    after(async () => {
      await app?.close()
      await db?.drop()
      await remote?.stop()
    })

    test('an uploaded artifact lands in the bucket, lists and downloads; a registered copy survives its deletion', async () => {
      const api = registryClient(app.app)
      const run = (await api.mlflow('POST', '/runs/create', { experiment_id: '0' })).body.run.info
      const weights = randomBytes(300_000)
      await uploadArtifact(app.app, run.artifact_uri, 'model/MLmodel', Buffer.from('flavors:\n  railyard_js: {module: predict.mjs}\n'))
      await uploadArtifact(app.app, run.artifact_uri, 'model/weights.bin', weights)

      const key = `0/${run.run_id}/artifacts/model/weights.bin`
      assert.deepEqual(await readAll(await bucket.get(key)), weights)
      const listed = await api.mlflow('GET', '/artifacts/list', { run_id: run.run_id, path: 'model' })
      assert.deepEqual(listed.body.files.map((f: { path: string }) => f.path), ['model/MLmodel', 'model/weights.bin'])
      const download = await app.app.inject({ method: 'GET', url: `/api/2.0/mlflow-artifacts/artifacts/${key}` })
      assert.equal(download.statusCode, 200)
      assert.deepEqual(download.rawPayload, weights)

      await api.mlflow('POST', '/registered-models/create', { name: `remote-${kind}` })
      await api.mlflow('POST', '/model-versions/create', { name: `remote-${kind}`, source: `${run.artifact_uri}/model`, run_id: run.run_id })
      const v = await waitUntilRegistered(() => api.mlflow('GET', '/model-versions/get', { name: `remote-${kind}`, version: '1' }))
      assert.equal(v.body.model_version.status, 'READY')
      const removed = await app.app.inject({ method: 'DELETE', url: `/api/2.0/mlflow-artifacts/artifacts/0/${run.run_id}/artifacts/model` })
      assert.equal(removed.statusCode, 200)
      assert.equal(await bucket.exists(key), false)
      const file = await api.railyard('GET', '/model-versions/file', { name: `remote-${kind}`, version: '1', path: 'weights.bin' })
      assert.equal(file.status, 200)
      const copy = await app.app.inject({ method: 'GET', url: `/api/2.0/railyard/model-versions/file?name=remote-${kind}&version=1&path=weights.bin` })
      assert.deepEqual(copy.rawPayload, weights)
    })
  })
}
