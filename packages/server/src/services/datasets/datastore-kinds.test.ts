import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { BlobServiceClient } from '@azure/storage-blob'
import { BLAKE3_ABOVE, contentIdOf } from '@railyard/content-id'
import { startS3Server, type S3TestServer } from '../../../../../scripts/s3-server.mjs'
import { startAzurite, type AzuriteServer } from '../../../../../scripts/azurite.mjs'
import { freePort } from '../../../../../scripts/free-port.mjs'
import type { BlobStore } from '../../blob/blob.js'
import { LocalBlobStore } from '../../blob/local.js'
import { S3BlobStore } from '../../blob/s3.js'
import { AzureBlobStore } from '../../blob/azure.js'
import { DIALECTS } from '../../testing/databases.js'
import { createTestApp, type TestApp } from '../../testing/test-app.js'
import { call } from '../../testing/http.js'

// Credentials reach the server three ways: environment variable names (S3), a secrets file
// (Azure), and encrypted under the server key (S3 again). The key must be set before the app starts.
process.env.RAILYARD_SECRET_KEY = 'test-server-key'

const BUCKET = 'railyard-datasets'
const CONTAINER = 'railyard-datasets'
let s3: S3TestServer
let azurite: AzuriteServer
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-kinds-'))
const opened: Array<{ close?: () => void }> = []

before(async () => {
  ;[s3, azurite] = await Promise.all([startS3Server({ buckets: [BUCKET] }), startAzurite()])
  await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(CONTAINER).create()
  process.env.RY_TEST_S3_KEY_ID = s3.credentials.accessKeyId
  process.env.RY_TEST_S3_SECRET = s3.credentials.secretAccessKey
})
after(async () => {
  for (const o of opened) o.close?.()
  await Promise.all([s3?.stop(), azurite?.stop()])
  fs.rmSync(tmp, { recursive: true, force: true })
})

interface Kind {
  name: string
  /** A fresh, empty datastore: how to write into it directly, and the create request for it. */
  make(): { blobs: BlobStore; create: Record<string, unknown> }
  /** A create request whose credentials the storage rejects. */
  badCredentials(): Record<string, unknown>
}

const kinds: Kind[] = [
  {
    name: 'local',
    make() {
      const root = fs.mkdtempSync(path.join(tmp, 'local-'))
      return { blobs: new LocalBlobStore(root), create: { kind: 'local', config: { root } } }
    },
    badCredentials: () => ({ kind: 'local', config: { root: path.join(tmp, 'missing') } }),
  },
  {
    name: 's3 (credentials from environment variables)',
    make() {
      const prefix = `ds-${randomUUID()}`
      const blobs = new S3BlobStore({ bucket: BUCKET, prefix, endpoint: s3.endpoint, credentials: s3.credentials })
      opened.push(blobs)
      return {
        blobs,
        create: {
          kind: 's3',
          config: { bucket: BUCKET, prefix, endpoint: s3.endpoint, path_style: true, region: 'us-east-1' },
          credentials: { env: { access_key_id: 'RY_TEST_S3_KEY_ID', secret_access_key: 'RY_TEST_S3_SECRET' } },
        },
      }
    },
    // s3rver checks that the access key exists (it does not verify signatures).
    badCredentials: () => ({
      kind: 's3',
      config: { bucket: BUCKET, endpoint: s3.endpoint, path_style: true },
      credentials: { secret: { access_key_id: 'NOT-A-KEY', secret_access_key: 'wrong' } },
    }),
  },
  {
    name: 's3 (credentials stored encrypted)',
    make() {
      const prefix = `ds-${randomUUID()}`
      const blobs = new S3BlobStore({ bucket: BUCKET, prefix, endpoint: s3.endpoint, credentials: s3.credentials })
      opened.push(blobs)
      return {
        blobs,
        create: {
          kind: 's3',
          config: { bucket: BUCKET, prefix, endpoint: s3.endpoint, path_style: true },
          credentials: { secret: { access_key_id: s3.credentials.accessKeyId, secret_access_key: s3.credentials.secretAccessKey } },
        },
      }
    },
    badCredentials: () => ({ kind: 's3', config: { bucket: 'no-such-bucket', endpoint: s3.endpoint, path_style: true }, credentials: { env: { access_key_id: 'RY_TEST_S3_KEY_ID', secret_access_key: 'RY_TEST_S3_SECRET' } } }),
  },
  {
    name: 'azure-blob (credentials from a secrets file)',
    make() {
      const prefix = `ds-${randomUUID()}`
      const blobs = new AzureBlobStore({ container: CONTAINER, prefix, connectionString: azurite.connectionString })
      const secrets = path.join(tmp, `azure-${randomUUID()}.json`)
      fs.writeFileSync(secrets, JSON.stringify({ account_key: azurite.accountKey }))
      return {
        blobs,
        create: {
          kind: 'azure-blob',
          config: { account: azurite.account, container: CONTAINER, prefix, endpoint: azurite.blobEndpoint },
          credentials: { secrets_file: secrets },
        },
      }
    },
    // Azurite checks shared-key signatures.
    badCredentials: () => ({
      kind: 'azure-blob',
      config: { account: azurite.account, container: CONTAINER, endpoint: azurite.blobEndpoint },
      credentials: { secret: { account_key: Buffer.from('not the key').toString('base64') } },
    }),
  },
]

for (const dialect of DIALECTS) {
  describe(`datasets on every datastore kind (${dialect})`, () => {
    let t: TestApp
    const ry = (method: 'GET' | 'POST', p: string, payload?: Record<string, unknown>) => call(t.app, method, `/api/2.0/railyard${p}`, payload)
    const ok = async (method: 'GET' | 'POST', p: string, payload?: Record<string, unknown>) => {
      const res = await ry(method, p, payload)
      assert.equal(res.status, 200, `${p}: ${JSON.stringify(res.body)}`)
      return res.body
    }
    const read = (name: string, version: string, file: string) =>
      t.app.inject({ method: 'GET', url: `/api/2.0/railyard/datasets/versions/file?name=${name}&version=${version}&path=${encodeURIComponent(file)}` })

    before(async () => {
      t = await createTestApp(dialect)
    })
    after(() => t.dispose())

    kinds.forEach((kind, i) => {
      test(`${kind.name}: snapshot, cached re-snapshot, verified reads, pinning, tamper`, async () => {
        const { blobs, create } = kind.make()
        await blobs.put('data/train/a.csv', Buffer.from('id,label\n1,pos\n'))
        await blobs.put('data/train/b.csv', Buffer.from('id,label\n2,neg\n'))
        await blobs.put('data/test/c.csv', Buffer.from('id,label\n3,pos\n'))
        await blobs.put('data/readme.md', Buffer.from('not selected'))
        const store = `store-${i}`
        await ok('POST', '/datastores/create', { name: store, ...create })
        const shown = (await ok('GET', '/datastores/get', { name: store })).datastore
        assert.doesNotMatch(JSON.stringify(shown), /S3RVER|Eby8vdM02x/, 'no secret is returned')

        await ok('POST', '/datasets/create', { name: `csv-${i}`, datastore: store, path: 'data', include: ['**/*.csv'] })
        const first = (await ok('POST', '/datasets/snapshot', { name: `csv-${i}`, stream: false })).version
        assert.equal(first.file_count, 3)
        const files = (await ok('GET', '/datasets/versions/files', { name: `csv-${i}`, version: first.id })).files
        assert.deepEqual(files.map((f: { path: string }) => f.path), ['test/c.csv', 'train/a.csv', 'train/b.csv'])

        // Unchanged files come from the stat cache: nothing is read again, the id is the same.
        const res = await t.app.inject({ method: 'POST', url: '/api/2.0/railyard/datasets/snapshot', payload: { name: `csv-${i}` } })
        const done = JSON.parse(res.body.trimEnd().split('\n').pop()!)
        assert.equal(done.phase, 'done')
        assert.equal(done.version.id, first.id)
        assert.equal(done.reused, true)
        assert.equal(done.files_cached, 3)

        const a = await read(`csv-${i}`, first.id, 'train/a.csv')
        assert.equal(a.statusCode, 200)
        assert.equal(a.body, 'id,label\n1,pos\n')

        const pinned = (await ok('POST', '/datasets/snapshot', { name: `csv-${i}`, stream: false, pin: true })).version
        assert.equal(pinned.id, first.id)
        await ok('POST', '/datasets/create', { name: `loose-${i}`, datastore: store, path: 'data', include: ['**/*.csv'] })
        const loose = (await ok('POST', '/datasets/snapshot', { name: `loose-${i}`, stream: false })).version
        assert.equal(loose.pinned, false)

        await blobs.put('data/train/a.csv', Buffer.from('id,label\n1,NEG\n'))
        const changed = await read(`loose-${i}`, loose.id, 'train/a.csv')
        assert.equal(changed.statusCode, 409)
        assert.match(JSON.parse(changed.body).message, /train\/a\.csv \(content changed\)/)
        const original = await read(`csv-${i}`, pinned.id, 'train/a.csv')
        assert.equal(original.body, 'id,label\n1,pos\n')

        await blobs.delete('data/test/c.csv')
        const gone = await read(`loose-${i}`, loose.id, 'test/c.csv')
        assert.equal(gone.statusCode, 409)
        assert.match(JSON.parse(gone.body).message, /test\/c\.csv \(missing\)/)
        const verify = await ok('POST', '/datasets/versions/verify', { name: `loose-${i}`, version: loose.id })
        assert.deepEqual(verify.changed.map((c: { path: string; problem: string }) => `${c.path}:${c.problem}`), ['test/c.csv:missing', 'train/a.csv:content'])

        const next = (await ok('POST', '/datasets/snapshot', { name: `loose-${i}`, stream: false })).version
        const diff = await ok('GET', '/datasets/versions/diff', { name: `loose-${i}`, from: loose.id, to: next.id })
        assert.deepEqual(diff.removed, [{ path: 'test/c.csv', size: 15 }])
        assert.deepEqual(diff.modified, [{ path: 'train/a.csv', size: 15, old_size: 15 }])
      })

      test(`${kind.name}: files over 1 MiB are named by BLAKE3, pinned, verified and tamper-checked`, async () => {
        const { blobs, create } = kind.make()
        const big = randomBytes(BLAKE3_ABOVE + 4099)
        const edge = randomBytes(BLAKE3_ABOVE)
        await blobs.put('big/model-input.bin', big)
        await blobs.put('big/edge.bin', edge)
        const store = `large-store-${i}`
        await ok('POST', '/datastores/create', { name: store, ...create })
        const ds = `large-${i}`
        await ok('POST', '/datasets/create', { name: ds, datastore: store, path: 'big' })
        const loose = (await ok('POST', '/datasets/snapshot', { name: ds, stream: false })).version
        const files = (await ok('GET', '/datasets/versions/files', { name: ds, version: loose.id })).files
        const oids = Object.fromEntries(files.map((f: { path: string; oid: string }) => [f.path, f.oid]))
        // Plain BLAKE3 above the threshold (what b3sum prints), SHA-256 at it.
        assert.deepEqual(oids, { 'edge.bin': contentIdOf(edge, 'sha256'), 'model-input.bin': contentIdOf(big, 'blake3') })
        assert.match(oids['model-input.bin'], /^blake3:[0-9a-f]{64}$/)

        // A stat-cache entry holding the large file's SHA-256 (as written before BLAKE3) is not reused.
        const datastoreId = (await t.store.datasets.datastoreByName(store))!.datastore_id
        const [cached] = await t.store.datasets.statCache.lookup(datastoreId, ['big/model-input.bin'])
        await t.store.datasets.statCache.upsert(datastoreId, [{ ...cached, oid: contentIdOf(big, 'sha256') }])
        const again = (await ok('POST', '/datasets/snapshot', { name: ds, stream: false })).version
        assert.equal(again.id, loose.id, 'the same files give the same version id')

        await ok('POST', '/datasets/create', { name: `${ds}-pinned`, datastore: store, path: 'big' })
        const pinned = (await ok('POST', '/datasets/snapshot', { name: `${ds}-pinned`, stream: false, pin: true })).version
        assert.equal(pinned.id, loose.id)
        const whole = await read(ds, loose.id, 'model-input.bin')
        assert.equal(whole.statusCode, 200)
        assert.ok(whole.rawPayload.equals(big))

        // Same size, one byte different: only the content hash can tell.
        const tampered = Buffer.from(big)
        tampered[tampered.length >> 1] ^= 0xff
        await blobs.put('big/model-input.bin', tampered)
        const refused = await read(ds, loose.id, 'model-input.bin')
        assert.equal(refused.statusCode, 409)
        assert.match(JSON.parse(refused.body).message, /model-input\.bin \(content changed\)/)
        const verify = await ok('POST', '/datasets/versions/verify', { name: ds, version: loose.id })
        assert.deepEqual(verify.changed.map((c: { path: string; problem: string }) => `${c.path}:${c.problem}`), ['model-input.bin:content'])
        const original = await read(`${ds}-pinned`, pinned.id, 'model-input.bin')
        assert.equal(original.statusCode, 200)
        assert.ok(original.rawPayload.equals(big), 'the pinned version still reads the original bytes')
      })

      test(`${kind.name}: rejected access is a 400 and stores nothing`, async () => {
        const res = await ry('POST', '/datastores/create', { name: `bad-${i}`, ...kind.badCredentials() })
        assert.equal(res.status, 400, JSON.stringify(res.body))
        assert.equal(res.body.error_code, 'INVALID_PARAMETER_VALUE')
        assert.match(res.body.message, new RegExp(`Datastore 'bad-${i}'`))
        assert.equal((await ry('GET', '/datastores/get', { name: `bad-${i}` })).status, 404)
      })
    })

    test('an unreachable endpoint is a 400 naming it', async () => {
      const port = await freePort()
      const res = await ry('POST', '/datastores/create', {
        name: 'down',
        kind: 's3',
        config: { bucket: BUCKET, endpoint: `http://127.0.0.1:${port}`, path_style: true },
        credentials: { env: { access_key_id: 'RY_TEST_S3_KEY_ID', secret_access_key: 'RY_TEST_S3_SECRET' } },
      })
      assert.equal(res.status, 400)
      assert.match(res.body.message, /Datastore 'down': Cannot reach s3:\/\/railyard-datasets/)
      const unset = await ry('POST', '/datastores/create', {
        name: 'unset',
        kind: 's3',
        config: { bucket: BUCKET, endpoint: s3.endpoint },
        credentials: { env: { access_key_id: 'RY_NOT_SET_ID', secret_access_key: 'RY_NOT_SET_SECRET' } },
      })
      assert.equal(unset.status, 400)
      assert.match(unset.body.message, /environment variable RY_NOT_SET_ID \(access_key_id\) is not set/)
    })
  })
}
