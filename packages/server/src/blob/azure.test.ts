import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { BlobServiceClient, ContainerSASPermissions } from '@azure/storage-blob'
import { ApiError, InvalidParameterError, NotFoundError, PermissionDeniedError } from '@railyard/api'
import { startAzurite, type AzuriteServer } from '../../../../scripts/azurite.mjs'
import { freePort } from '../../../../scripts/free-port.mjs'
import { digestOf, failingStream, randomStream, readAll } from '../testing/byte-streams.js'
import { testBlobStore } from './blob-suite.js'
import { AzureBlobStore, fromUrl, type AzureBlobStoreOptions } from './azure.js'

const CONTAINER = 'railyard-test'
const MiB = 1024 * 1024
let azurite: AzuriteServer
let starting: Promise<AzuriteServer> | undefined

// Started by whichever hook needs it first, so the contract suite's own before() can use it too.
async function azuriteServer(): Promise<AzuriteServer> {
  starting ??= startAzurite().then(async (server) => {
    azurite = server
    await BlobServiceClient.fromConnectionString(server.connectionString).getContainerClient(CONTAINER).create()
    return server
  })
  return starting
}

/** A store on its own fresh root inside the shared container, so tests never see each other's keys. */
function makeStore(extra: Partial<AzureBlobStoreOptions> = {}): AzureBlobStore {
  return new AzureBlobStore({
    container: CONTAINER,
    prefix: `t-${randomUUID()}/root`,
    connectionString: azurite.connectionString,
    ...extra,
  })
}

/** The SDK's own view of the container, to check what the adapter stored. */
function rawContainer() {
  return BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(CONTAINER)
}

before(azuriteServer)
after(() => azurite?.stop())

testBlobStore('AzureBlobStore on Azurite', async () => {
  await azuriteServer()
  const store = makeStore()
  return {
    store,
    async dispose() {
      for await (const item of store.list('')) await store.delete(item.key)
    },
  }
})

describe('AzureBlobStore on Azurite: streamed writes', () => {
  it('stores a 32 MB stream of unknown length byte-exact, as committed 8 MiB blocks', async () => {
    const store = makeStore()
    const size = 32 * MiB + 12_345
    const source = randomStream(size)
    await store.put('big.bin', source.stream)
    assert.deepEqual(await digestOf(await store.get('big.bin')), { sha256: source.digest(), size })
    const name = `${store.location.split('/').slice(4, 6).join('/')}/big.bin`
    const blocks = await rawContainer().getBlockBlobClient(name).getBlockList('committed')
    assert.deepEqual(blocks.committedBlocks?.map((b) => b.size), [8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, 12_345])
  })

  it('commits nothing when the source fails after blocks were staged, keeping the old bytes', async () => {
    const store = makeStore()
    await store.put('k', Buffer.from('old'))
    await assert.rejects(store.put('k', failingStream(20 * MiB, new Error('disk gone'))), /disk gone/)
    assert.equal((await readAll(await store.get('k'))).toString(), 'old')
    await assert.rejects(store.put('fresh', failingStream(20 * MiB)), /source failed/)
    assert.equal(await store.exists('fresh'), false)
  })
  it('of concurrent block-list writes to one key, any that loses is a conflict and the stored bytes are one body whole', async () => {
    // Committing a block list discards the blob's other uncommitted blocks (Azure and Azurite alike).
    const store = makeStore({ blockSize: 1 * MiB })
    const sources = Array.from({ length: 3 }, () => randomStream(3 * MiB + 5, 77_777))
    const results = await Promise.allSettled(sources.map((s) => store.put('race.bin', s.stream)))
    for (const r of results) {
      if (r.status === 'rejected') {
        assert.ok(r.reason instanceof ApiError && r.reason.code === 'RESOURCE_CONFLICT', String(r.reason))
        assert.match(r.reason.message, /Another write to 'race.bin' .* committed first/)
      }
    }
    assert.ok(results.some((r) => r.status === 'fulfilled'), 'one write won')
    const stored = await digestOf(await store.get('race.bin'))
    assert.ok(sources.some((s) => s.digest() === stored.sha256), 'the stored bytes are exactly one of the bodies')
  })
})

describe('AzureBlobStore on Azurite: stat, containers and credentials', () => {
  it('stats the ETag, the same as listed and changing on overwrite; no version id without versioning', async () => {
    const store = makeStore()
    await store.put('a.txt', Buffer.from('hello'))
    const stat = await store.stat('a.txt')
    assert.match(stat.etag, /^0x[0-9A-F]+$/)
    assert.equal(stat.versionId, undefined)
    const [listed] = (await store.listPage('')).items
    assert.deepEqual(listed, { key: 'a.txt', size: 5, etag: stat.etag, mtime: stat.mtime })
    await store.put('a.txt', Buffer.from('hello, again'))
    assert.notEqual((await store.stat('a.txt')).etag, stat.etag)
  })

  it('reports a missing container as a NotFoundError naming it', async () => {
    const store = makeStore({ container: 'no-such-container' })
    for (const attempt of [() => store.listPage(''), () => store.put('x', Buffer.from('x')), () => store.stat('x')]) {
      await assert.rejects(attempt(), (err: unknown) => {
        assert.ok(err instanceof NotFoundError, String(err))
        assert.match(err.message, /Azure container 'no-such-container' does not exist at azure:\/\/devstoreaccount1\//)
        return true
      })
    }
  })

  it('reports a wrong account key clearly, without the key', async () => {
    const wrongKey = Buffer.from('not the key, but 64 bytes long enough to look like one at all....').toString('base64')
    const store = makeStore({ connectionString: undefined, url: azurite.blobEndpoint, account: azurite.account, accountKey: wrongKey })
    for (const attempt of [() => store.put('x', Buffer.from('x')), () => store.listPage(''), () => store.stat('x')]) {
      await assert.rejects(attempt(), (err: unknown) => {
        assert.ok(err instanceof PermissionDeniedError, String(err))
        assert.match(err.message, new RegExp(`azure://devstoreaccount1/${CONTAINER}/.* at ${azurite.blobEndpoint}`))
        assert.ok(!err.message.includes(wrongKey))
        return true
      })
    }
  })

  it('authenticates with a SAS token and reports what it does not permit', async () => {
    const writer = makeStore()
    await writer.put('shared.txt', Buffer.from('readable'))
    const readOnly = await rawContainer().generateSasUrl({
      permissions: ContainerSASPermissions.parse('rl'),
      expiresOn: new Date(Date.now() + 3600_000),
    })
    const sasToken = new URL(readOnly).search
    const prefix = writer.location.split('/').slice(4, 6).join('/')
    const reader = makeStore({ connectionString: undefined, url: azurite.blobEndpoint, sasToken, prefix })
    assert.equal((await readAll(await reader.get('shared.txt'))).toString(), 'readable')
    assert.deepEqual((await reader.listPage('')).items.map((i) => i.key), ['shared.txt'])
    await assert.rejects(reader.put('x', Buffer.from('x')), (err: unknown) => {
      assert.ok(err instanceof PermissionDeniedError, String(err))
      assert.ok(!err.message.includes(new URLSearchParams(sasToken).get('sig')!))
      return true
    })
  })

  it('fails fast with a clear error naming the endpoint and container when nothing listens there', async () => {
    const port = await freePort()
    const endpoint = `http://127.0.0.1:${port}/${azurite.account}`
    const store = makeStore({ connectionString: undefined, url: endpoint, account: azurite.account, accountKey: azurite.accountKey })
    const started = Date.now()
    await assert.rejects(store.stat('x'), (err: unknown) => {
      assert.ok(err instanceof ApiError)
      assert.equal(err.code, 'TEMPORARILY_UNAVAILABLE')
      assert.match(err.message, new RegExp(`${CONTAINER}/.* at ${endpoint}: ECONNREFUSED`))
      assert.ok(!err.message.includes(azurite.accountKey))
      return true
    })
    // Four attempts back off 0.5, 1 and 2 s: seconds, not the SDK's default of minutes.
    assert.ok(Date.now() - started < 8_000, `took ${Date.now() - started} ms`)
  })
})

describe('AzureBlobStore.fromUrl', () => {
  it('builds a store from an azure:// URL and credentials in the named environment variables', async () => {
    const root = `url-${randomUUID()}`
    const url = new URL(`azure://${azurite.account}/${CONTAINER}/${root}/data`)
    const store = fromUrl(url, { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString })
    await store.put('f.txt', Buffer.from('via url'))
    assert.equal((await readAll(await makeStore({ prefix: `${root}/data` }).get('f.txt'))).toString(), 'via url')

    const withKey = new URL(`${url.href}?endpoint=${azurite.blobEndpoint}&account_key_env=MY_KEY`)
    assert.equal((await fromUrl(withKey, { MY_KEY: azurite.accountKey }).stat('f.txt')).size, 7)

    const otherAccount = new URL(`azure://someoneelse/${CONTAINER}/${root}`)
    assert.throws(() => fromUrl(otherAccount, { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString }), (err: unknown) => {
      assert.ok(err instanceof InvalidParameterError)
      assert.match(err.message, /AZURE_STORAGE_CONNECTION_STRING is for another account than 'someoneelse'/)
      assert.ok(!err.message.includes(azurite.accountKey))
      return true
    })
    assert.throws(() => fromUrl(url, {}), /set AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN/)
  })
})
