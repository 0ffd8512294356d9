import { Readable } from 'node:stream'
import {
  AnonymousCredential,
  BlobServiceClient,
  StorageSharedKeyCredential,
  type ContainerClient,
  type StoragePipelineOptions,
} from '@azure/storage-blob'
import { ApiError, InvalidParameterError } from '@railyard/api'
import { BlobNotFoundError, type BlobStat, type BlobStore, type ListPage } from './blob.js'
import { azureCredentialsFromEnv, parseAzureUrl } from './blob-url.js'
import { fixedSizeChunks } from './fixed-size-chunks.js'
import { existsByStat, noBytesOf, PrefixedKeys, stripQuotes } from './object-storage.js'
import { listAllPages, pageLimit } from './paging.js'
import { checkRange } from './range.js'
import {
  isNetworkError,
  missingContainer,
  rejectedCredentials,
  storageFailure,
  unreachable,
} from './storage-errors.js'

export interface AzureBlobStoreOptions {
  container: string
  /** Root inside the container; every key lives under it. */
  prefix?: string
  /** Storage account name; needed with accountKey, and names the default endpoint. */
  account?: string
  /**
   * Blob service URL, e.g. Azurite's `http://127.0.0.1:10000/devstoreaccount1`; defaults to
   * https://{account}.blob.core.windows.net.
   */
  url?: string
  /** One of these three authenticates; a connection string carries its own endpoint and account. */
  connectionString?: string
  sasToken?: string
  accountKey?: string
  /** Attempts per request including the first. Default 4, with backoff from 0.5 s up to 5 s. */
  maxAttempts?: number
  /** Milliseconds one attempt may take before it is abandoned and retried; none by default. */
  tryTimeoutMs?: number
  /** Block size for streamed writes. Default 8 MiB. */
  blockSize?: number
  /** Blocks buffered and uploaded at once per streamed write (memory ≈ blockSize × this). Default 4. */
  uploadConcurrency?: number
}

const DEFAULT_BLOCK_SIZE = 8 * 1024 * 1024

/** BlobStore on an Azure Blob Storage container (or Azurite), using block blobs. */
export class AzureBlobStore implements BlobStore {
  private readonly container: ContainerClient
  private readonly keys: PrefixedKeys
  private readonly blockSize: number
  private readonly uploadConcurrency: number
  /** Where this store points, for error messages: never includes credentials or SAS. */
  readonly location: string

  constructor(opts: AzureBlobStoreOptions) {
    if (!opts.container) throw new InvalidParameterError('Azure container name is required')
    this.keys = new PrefixedKeys(opts.prefix)
    this.blockSize = opts.blockSize ?? DEFAULT_BLOCK_SIZE
    this.uploadConcurrency = Math.max(1, opts.uploadConcurrency ?? 4)
    const service = serviceClient(opts)
    this.container = service.getContainerClient(opts.container)
    // service.url may carry a SAS: keep only origin and path.
    const endpoint = new URL(service.url)
    const where = `${endpoint.origin}${endpoint.pathname.replace(/\/$/, '')}`
    this.location = `azure://${service.accountName}/${opts.container}/${this.keys.root} at ${where}`
  }

  async put(key: string, body: Readable | Buffer): Promise<void> {
    const blob = this.container.getBlockBlobClient(this.keys.full(key))
    try {
      if (Buffer.isBuffer(body)) {
        await blob.uploadData(body, { blockSize: this.blockSize, concurrency: this.uploadConcurrency })
        return
      }
      // A stream that fits in one block goes up in one request (Put Blob), which needs no block
      // list: concurrent small writes of one key then can't discard each other's blocks.
      const blocks = fixedSizeChunks(body, this.blockSize)
      const first = await blocks.next()
      const firstBlock = first.done ? Buffer.alloc(0) : first.value
      if (firstBlock.length < this.blockSize) {
        await blob.upload(firstBlock, firstBlock.length)
        return
      }
      // Larger: staged blocks (at most uploadConcurrency buffered) committed at the end, so
      // readers never see a part.
      const rest = Readable.from(prepend(firstBlock, blocks), { objectMode: false })
      try {
        await blob.uploadStream(rest, this.blockSize, this.uploadConcurrency)
      } finally {
        await blocks.return(undefined)
      }
    } catch (err) {
      if (!Buffer.isBuffer(body)) body.destroy()
      throw this.translate(err, 'put', key)
    }
  }

  async get(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    const blob = this.container.getBlobClient(this.keys.full(key))
    checkRange(range)
    if (range && range.end === range.start) {
      return noBytesOf(this, key)
    }
    const offset = range?.start ?? 0
    const count = range?.end === undefined ? undefined : range.end - offset
    try {
      const res = await blob.download(offset, count)
      return res.readableStreamBody as Readable
    } catch (err) {
      // A range starting at or past the end: Azure answers 416, the contract answers no bytes.
      if ((err as { statusCode?: number }).statusCode === 416) {
        return noBytesOf(this, key)
      }
      throw this.translate(err, 'get', key)
    }
  }

  async stat(key: string): Promise<BlobStat> {
    const blob = this.container.getBlobClient(this.keys.full(key))
    try {
      const props = await blob.getProperties()
      return {
        key,
        size: props.contentLength ?? 0,
        mtime: props.lastModified?.getTime() ?? 0,
        etag: stripQuotes(props.etag),
        ...(props.versionId ? { versionId: props.versionId } : {}),
      }
    } catch (err) {
      throw this.translate(err, 'stat', key)
    }
  }

  async touch(key: string): Promise<void> {
    const blob = this.container.getBlobClient(this.keys.full(key))
    try {
      // Setting metadata renews Last-Modified without touching the bytes; objects carry none of their own.
      await blob.setMetadata({ railyardtouched: String(Date.now()) })
    } catch (err) {
      throw this.translate(err, 'touch', key)
    }
  }

  exists(key: string): Promise<boolean> {
    return existsByStat(this, key)
  }

  async delete(key: string): Promise<void> {
    const blob = this.container.getBlobClient(this.keys.full(key))
    try {
      await blob.deleteIfExists({ deleteSnapshots: 'include' })
    } catch (err) {
      throw this.translate(err, 'delete', key)
    }
  }

  async listPage(prefix: string, opts: { token?: string; limit?: number } = {}): Promise<ListPage> {
    const fullPrefix = this.keys.fullPrefix(prefix)
    // Azure returns at most 5,000 per page.
    const maxPageSize = Math.min(pageLimit(opts.limit), 5000)
    try {
      const pages = this.container
        .listBlobsFlat({ prefix: fullPrefix || undefined })
        .byPage({ continuationToken: opts.token || undefined, maxPageSize })
      const { value: page } = await pages.next()
      const items: BlobStat[] = []
      for (const blob of page?.segment.blobItems ?? []) {
        const key = this.keys.relative(blob.name)
        // `folder/` placeholders (and hierarchical-namespace directories) are not objects of the store.
        if (!key || key.endsWith('/')) continue
        items.push({
          key,
          size: blob.properties.contentLength ?? 0,
          mtime: blob.properties.lastModified.getTime(),
          etag: stripQuotes(blob.properties.etag),
          ...(blob.versionId ? { versionId: blob.versionId } : {}),
        })
      }
      const nextToken = page?.continuationToken || undefined
      return nextToken ? { items, nextToken } : { items }
    } catch (err) {
      throw this.translate(err, 'list', prefix)
    }
  }

  list(prefix: string): AsyncIterable<BlobStat> {
    return listAllPages(this, prefix)
  }

  // The SDK's errors can hold the signed request (a SAS in its URL), so none is kept as a cause.
  private translate(err: unknown, operation: string, key: string): Error {
    if (err instanceof InvalidParameterError) return err
    if (isNetworkError(err)) return unreachable(this.location, err, false)
    const e = err as { statusCode?: number; code?: string; details?: { errorCode?: string } }
    const status = e.statusCode
    // HEAD answers carry the error code only in a header, which the SDK puts in details.
    const code = e.code ?? e.details?.errorCode ?? ''
    if (code === 'ContainerNotFound') {
      return missingContainer('Azure container', this.container.containerName, this.location)
    }
    if (status === 404 && operation !== 'list') return new BlobNotFoundError(key)
    if (code === 'InvalidBlockList' && operation === 'put') {
      // Committing a block list discards the blob's other uncommitted blocks, so of two large
      // streamed writes to one key, the later commit fails; the earlier one's bytes stand whole.
      const message = `Another write to '${key}' at ${this.location} committed first; retry the write`
      return new ApiError('RESOURCE_CONFLICT', message)
    }
    if (status === 401 || status === 403 || code.startsWith('Authentication') || code.startsWith('Authorization')) {
      return rejectedCredentials(this.location, code || String(status))
    }
    return storageFailure(this.location, `Azure ${operation} of '${key}'`, err, false)
  }
}

async function* prepend(first: Buffer, rest: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  yield first
  yield* rest
}

function serviceClient(opts: AzureBlobStoreOptions): BlobServiceClient {
  const given = [opts.connectionString, opts.sasToken, opts.accountKey].filter((c) => c !== undefined)
  if (given.length !== 1) {
    throw new InvalidParameterError('Azure Blob needs exactly one of: connection string, SAS token, account key')
  }
  const pipeline: StoragePipelineOptions = {
    retryOptions: {
      maxTries: opts.maxAttempts ?? 4,
      retryDelayInMs: 500,
      maxRetryDelayInMs: 5_000,
      tryTimeoutInMs: opts.tryTimeoutMs,
    },
  }
  if (opts.connectionString) {
    try {
      return BlobServiceClient.fromConnectionString(opts.connectionString, pipeline)
    } catch {
      // The SDK's message may quote the string, key included.
      throw new InvalidParameterError('Invalid Azure storage connection string')
    }
  }
  if (!opts.account && !opts.url) throw new InvalidParameterError('Azure Blob needs an account name or a service URL')
  const url = (opts.url ?? `https://${opts.account}.blob.core.windows.net`).replace(/\/$/, '')
  if (opts.accountKey) {
    const account = opts.account ?? accountFromUrl(url)
    return new BlobServiceClient(url, new StorageSharedKeyCredential(account, opts.accountKey), pipeline)
  }
  const sas = opts.sasToken!.replace(/^\?/, '')
  return new BlobServiceClient(`${url}?${sas}`, new AnonymousCredential(), pipeline)
}

// https://{account}.blob.core.windows.net or an emulator's http://host:port/{account}.
function accountFromUrl(url: string): string {
  const u = new URL(url)
  const fromHost = u.hostname.split('.')[0]
  const fromPath = u.pathname.split('/').filter(Boolean)[0]
  const account = u.hostname.endsWith('.blob.core.windows.net') ? fromHost : fromPath
  if (!account) throw new InvalidParameterError(`Cannot tell the Azure account from ${u.origin}; pass it`)
  return account
}

/**
 * The factory createBlobStore() uses for `azure://account/container/prefix?endpoint=…`.
 * Credentials come from the environment variables the URL names (AZURE_STORAGE_CONNECTION_STRING,
 * AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN by default), never from the URL itself.
 */
export function fromUrl(url: URL, env: NodeJS.ProcessEnv = process.env): AzureBlobStore {
  const loc = parseAzureUrl(url)
  const credentials = azureCredentialsFromEnv(loc, env)
  const store = new AzureBlobStore({
    account: loc.account,
    url: loc.endpoint,
    container: loc.container,
    prefix: loc.prefix,
    ...credentials,
  })
  if ('connectionString' in credentials && !store.location.startsWith(`azure://${loc.account}/`)) {
    throw new InvalidParameterError(
      `The connection string in ${loc.credentialEnv.connectionString} is for another account than '${loc.account}'`,
    )
  }
  return store
}
