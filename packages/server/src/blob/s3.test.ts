import assert from 'node:assert/strict'
import { createHash, randomUUID } from 'node:crypto'
import http from 'node:http'
import type { LookupFunction } from 'node:net'
import { Readable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { ApiError, InvalidParameterError, NotFoundError, PermissionDeniedError } from '@railyard/api'
import { freePort } from '../../../../scripts/free-port.mjs'
import { S3RVER_SERVICE_DOMAIN, startS3Server, type S3TestServer } from '../../../../scripts/s3-server.mjs'
import { digestOf, failingStream, randomStream, readAll } from '../testing/byte-streams.js'
import { BlobKeyError, BlobNotFoundError } from './blob.js'
import { testBlobStore } from './blob-suite.js'
import { fromUrl, S3BlobStore, s3ClientConfig, type S3BlobStoreOptions } from './s3.js'

const BUCKET = 'railyard-test'
const MiB = 1024 * 1024
let server: S3TestServer
let starting: Promise<S3TestServer> | undefined
const stores: S3BlobStore[] = []

// Started by whichever hook needs it first, so the contract suite's own before() can use it too.
async function s3Server(): Promise<S3TestServer> {
  starting ??= startS3Server({ buckets: [BUCKET] }).then((s) => (server = s))
  return starting
}

/** An HTTP agent that records each request as `METHOD ?query`. */
function recordingAgent(): { agent: http.Agent; requests: string[] } {
  const requests: string[] = []
  const agent = new (class extends http.Agent {
    addRequest(req: http.ClientRequest, options: http.RequestOptions): void {
      requests.push(`${req.method} ${new URL(req.path, 'http://x').search}`)
      // @ts-expect-error addRequest is internal to http.Agent and missing from its typings
      super.addRequest(req, options)
    }
  })()
  return { agent, requests }
}

/** A store on its own fresh root inside the shared bucket, so tests never see each other's keys. */
function makeStore(extra: Partial<S3BlobStoreOptions> = {}): S3BlobStore {
  const store = new S3BlobStore({
    bucket: BUCKET,
    prefix: `t-${randomUUID()}/root`,
    endpoint: server.endpoint,
    credentials: server.credentials,
    ...extra,
  })
  stores.push(store)
  return store
}

before(s3Server)
after(async () => {
  for (const store of stores) store.close()
  await server?.stop()
})

testBlobStore('S3BlobStore on s3rver', async () => {
  await s3Server()
  const store = makeStore()
  return {
    store,
    async dispose() {
      for await (const item of store.list('')) await store.delete(item.key)
    },
  }
})

describe('S3BlobStore on s3rver: streamed and multipart writes', () => {
  it('stores a 32 MB stream of unknown length byte-exact (no aws-chunked framing in the object)', async () => {
    const store = makeStore()
    const source = randomStream(32 * MiB)
    await store.put('big.bin', source.stream)
    assert.equal((await store.stat('big.bin')).size, 32 * MiB)
    assert.deepEqual(await digestOf(await store.get('big.bin')), { sha256: source.digest(), size: 32 * MiB })
  })

  it("keeps a streamed PutObject byte-exact with the adapter's client settings", async () => {
    // The trap these settings avoid: the SDK's default checksums send a stream with aws-chunked
    // framing, and s3rver stores the framing as part of the object.
    const client = new S3Client(s3ClientConfig({ bucket: BUCKET, endpoint: server.endpoint, credentials: server.credentials }))
    try {
      const source = randomStream(4 * MiB)
      const Key = `raw-${randomUUID()}`
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: source.stream, ContentLength: 4 * MiB }))
      const out = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key }))
      assert.deepEqual(await digestOf(out.Body as Readable), { sha256: source.digest(), size: 4 * MiB })
    } finally {
      client.destroy()
    }
  })

  it('writes a stream longer than one part as a multipart upload of 8 MiB parts', async () => {
    // s3rver's ETags don't show the part count, so watch the requests instead.
    const { agent, requests } = recordingAgent()
    const store = makeStore({ httpAgent: agent })
    try {
      const size = 2 * 8 * MiB + 12_345
      const source = randomStream(size, 100_003)
      await store.put('multi.bin', source.stream)
      const parts = requests.filter((r) => /^PUT .*partNumber=/.test(r)).map((r) => /partNumber=(\d+)/.exec(r)![1])
      assert.deepEqual(parts.sort(), ['1', '2', '3'])
      assert.equal(requests.filter((r) => r.startsWith('POST ?uploads')).length, 1)
      assert.equal(requests.filter((r) => /^POST \?uploadId=/.test(r)).length, 1)
      assert.equal((await store.stat('multi.bin')).size, size)
      assert.deepEqual(await digestOf(await store.get('multi.bin')), { sha256: source.digest(), size })
    } finally {
      agent.destroy()
    }
  })

  it('aborts the multipart upload when the source fails after some parts, keeping the old bytes', async () => {
    const { agent, requests } = recordingAgent()
    const store = makeStore({ httpAgent: agent })
    try {
      await store.put('k', Buffer.from('old'))
      await assert.rejects(store.put('k', failingStream(20 * MiB, new Error('disk gone'))), /disk gone/)
      assert.ok(requests.some((r) => /^PUT .*partNumber=2/.test(r)), 'parts were sent before the failure')
      assert.equal(requests.filter((r) => /^DELETE \?uploadId=/.test(r)).length, 1, 'the upload was aborted')
      assert.equal(requests.filter((r) => /^POST \?uploadId=/.test(r)).length, 0, 'and never completed')
      assert.equal((await readAll(await store.get('k'))).toString(), 'old')
    } finally {
      agent.destroy()
    }
  })
})

describe('S3BlobStore on s3rver: stat, listing and keys', () => {
  it('stats the ETag (the MD5 for a single put), changing on overwrite; no version id on an unversioned bucket', async () => {
    const store = makeStore()
    await store.put('a.txt', Buffer.from('hello'))
    const stat = await store.stat('a.txt')
    assert.equal(stat.etag, createHash('md5').update('hello').digest('hex'))
    assert.equal(stat.versionId, undefined)
    const [listed] = (await store.listPage('')).items
    assert.deepEqual(listed, { key: 'a.txt', size: 5, etag: stat.etag, mtime: stat.mtime })
    await store.put('a.txt', Buffer.from('hello, again'))
    const after = await store.stat('a.txt')
    assert.equal(after.etag, createHash('md5').update('hello, again').digest('hex'))
  })

  it('lists only under its own root, not a sibling root that shares its name as a string prefix', async () => {
    const store = makeStore()
    const root = store.location.split('/').slice(3, 5).join('/')
    const sibling = makeStore({ prefix: `${root}-sibling` })
    await sibling.put('d/x', Buffer.from('not mine'))
    await store.put('d/1', Buffer.from('mine'))
    assert.deepEqual((await store.listPage('')).items.map((i) => i.key), ['d/1'])
    assert.deepEqual((await sibling.listPage('d')).items.map((i) => i.key), ['d/x'])
  })

  it('rejects invalid keys before sending any request', async () => {
    const { agent, requests } = recordingAgent()
    const store = makeStore({ httpAgent: agent })
    try {
      for (const key of ['../x', '/abs', 'a/../../x', '%2e%2e/x']) {
        await assert.rejects(store.put(key, Buffer.from('x')), BlobKeyError)
        await assert.rejects(store.get(key), BlobKeyError)
      }
      await assert.rejects(store.listPage('../'), BlobKeyError)
      assert.deepEqual(requests, [])
    } finally {
      agent.destroy()
    }
  })

  it('reports a missing bucket as a NotFoundError naming it, and a missing key as BlobNotFoundError', async () => {
    const missing = makeStore({ bucket: 'no-such-bucket' })
    await assert.rejects(missing.listPage(''), (err: unknown) => {
      assert.ok(err instanceof NotFoundError)
      assert.match(err.message, /S3 bucket 'no-such-bucket' does not exist at s3:\/\/no-such-bucket\//)
      return true
    })
    await assert.rejects(missing.put('x', Buffer.from('x')), NotFoundError)
    await assert.rejects(makeStore().get('nope', { start: 3 }), BlobNotFoundError)
  })
})

describe('S3BlobStore addressing, failures and URLs', () => {
  it('works with virtual-host addressing (bucket in the host name)', async () => {
    // Resolve every name to loopback ourselves, so no DNS is involved.
    const hosts: string[] = []
    const lookup = ((hostname: string, options: unknown, callback: (...args: unknown[]) => void) => {
      hosts.push(hostname)
      const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all
      if (all) callback(null, [{ address: '127.0.0.1', family: 4 }])
      else callback(null, '127.0.0.1', 4)
    }) as unknown as LookupFunction
    const agent = new http.Agent({ lookup })
    const store = makeStore({ endpoint: `http://s3.${S3RVER_SERVICE_DOMAIN}:${server.port}`, forcePathStyle: false, httpAgent: agent })
    try {
      await store.put('vhost/a.txt', Buffer.from('virtual'))
      assert.equal((await readAll(await store.get('vhost/a.txt'))).toString(), 'virtual')
      assert.deepEqual((await store.listPage('vhost/')).items.map((i) => i.key), ['vhost/a.txt'])
      assert.ok(hosts.length > 0 && hosts.every((h) => h === `${BUCKET}.s3.${S3RVER_SERVICE_DOMAIN}`), `hosts: ${hosts}`)
    } finally {
      agent.destroy()
    }
  })

  it('fails fast with a clear error naming endpoint and bucket when nothing listens there', async () => {
    const port = await freePort()
    const secret = 'secret-value-never-shown'
    const store = makeStore({ endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'AK', secretAccessKey: secret } })
    const started = Date.now()
    await assert.rejects(store.stat('x'), (err: unknown) => {
      assert.ok(err instanceof ApiError)
      assert.equal(err.code, 'TEMPORARILY_UNAVAILABLE')
      assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`))
      assert.match(err.message, new RegExp(BUCKET))
      assert.match(err.message, /ECONNREFUSED/)
      assert.doesNotMatch(err.message, new RegExp(secret))
      return true
    })
    // The default three attempts back off for well under a second on a refused connection.
    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`)
  })

  it('reports rejected credentials clearly, without the secret', async () => {
    // s3rver knows one access key (S3RVER); it does not verify SigV4 signatures, so only an
    // unknown key id is rejected there.
    const secret = 'another-secret-never-shown'
    const store = makeStore({ credentials: { accessKeyId: 'NOT-A-KEY', secretAccessKey: secret } })
    for (const attempt of [() => store.put('x', Buffer.from('x')), () => store.listPage('')]) {
      await assert.rejects(attempt(), (err: unknown) => {
        assert.ok(err instanceof PermissionDeniedError)
        assert.match(err.message, /InvalidAccessKeyId/)
        assert.match(err.message, new RegExp(`s3://${BUCKET}/.* at ${server.endpoint}`))
        assert.doesNotMatch(err.message, new RegExp(secret))
        return true
      })
    }
  })

  it('fromUrl builds a store from an s3:// URL and credentials in the named environment variables', async () => {
    const root = `url-${randomUUID()}`
    const url = new URL(`s3://${BUCKET}/${root}/data?endpoint=${server.endpoint}&region=us-east-1&path_style=true`)
    const store = fromUrl(url, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' })
    stores.push(store)
    await store.put('f.txt', Buffer.from('via url'))
    const viaOptions = makeStore({ prefix: `${root}/data` })
    assert.equal((await readAll(await viaOptions.get('f.txt'))).toString(), 'via url')

    const custom = new URL(`${url.href}&access_key_id_env=MY_ID&secret_access_key_env=MY_SECRET`)
    const customStore = fromUrl(custom, { MY_ID: 'S3RVER', MY_SECRET: 'S3RVER' })
    stores.push(customStore)
    assert.equal((await customStore.stat('f.txt')).size, 7)
    assert.throws(() => fromUrl(custom, { MY_ID: 'S3RVER' }), (err: unknown) => {
      assert.ok(err instanceof InvalidParameterError)
      assert.match(err.message, /MY_SECRET/)
      return true
    })
  })
})
