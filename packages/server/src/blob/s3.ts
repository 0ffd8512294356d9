import { randomUUID } from 'node:crypto'
import type { Agent as HttpAgent } from 'node:http'
import type { Agent as HttpsAgent } from 'node:https'
import { Readable } from 'node:stream'
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3'
import { InvalidParameterError } from '@railyard/api'
import { BlobNotFoundError, type BlobStat, type BlobStore, type ListPage } from './blob.js'
import { parseS3Url, s3CredentialsFromEnv } from './blob-url.js'
import { existsByStat, noBytesOf, PrefixedKeys, stripQuotes } from './object-storage.js'
import { listAllPages, pageLimit } from './paging.js'
import { checkRange } from './range.js'
import { MIN_PART_SIZE, uploadStream } from './s3-upload.js'
import {
  isNetworkError,
  missingContainer,
  rejectedCredentials,
  storageFailure,
  unreachable,
} from './storage-errors.js'

export interface S3BlobStoreOptions {
  bucket: string
  /** Root inside the bucket; every key lives under it. */
  prefix?: string
  /** Service URL for S3-compatible servers, e.g. `http://127.0.0.1:9000`; AWS when absent. */
  endpoint?: string
  /** Defaults to AWS_REGION, then us-east-1. */
  region?: string
  /** `host/bucket/key` instead of `bucket.host/key`; defaults to true when `endpoint` is set. */
  forcePathStyle?: boolean
  /** Static credentials; absent means the SDK's default chain (environment, profile, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  /** Attempts per request including the first; the SDK retries transient failures with backoff. Default 3. */
  maxAttempts?: number
  /** Milliseconds to wait for a TCP connection. Default 5,000. */
  connectTimeoutMs?: number
  /** Multipart part size in bytes for streamed writes. Default 8 MiB, at least 5 MiB. */
  partSize?: number
  /** Parts uploaded at once per streamed write. Default 2. */
  uploadConcurrency?: number
  /** Custom agent (proxies, DNS); optional. */
  httpAgent?: HttpAgent | HttpsAgent
}

const DEFAULT_PART_SIZE = 8 * 1024 * 1024

/**
 * The client settings every S3 call uses. Checksums are only computed when an operation requires
 * them: with the SDK's default (flexible checksums on every upload), a streamed PutObject is sent
 * with aws-chunked framing, which S3-compatible servers such as s3rver store verbatim, silently
 * corrupting the object.
 */
export function s3ClientConfig(opts: S3BlobStoreOptions): S3ClientConfig {
  return {
    region: opts.region ?? process.env.AWS_REGION ?? 'us-east-1',
    endpoint: opts.endpoint,
    forcePathStyle: opts.forcePathStyle ?? opts.endpoint !== undefined,
    // A copy: the SDK writes bookkeeping onto the credentials object it is given.
    credentials: opts.credentials && { ...opts.credentials },
    maxAttempts: opts.maxAttempts ?? 3,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      connectionTimeout: opts.connectTimeoutMs ?? 5_000,
      ...(opts.httpAgent ? { httpAgent: opts.httpAgent, httpsAgent: opts.httpAgent } : {}),
    },
  }
}

/** BlobStore on an S3 bucket (AWS or any S3-compatible server), path-style or virtual-host. */
export class S3BlobStore implements BlobStore {
  private readonly client: S3Client
  private readonly bucket: string
  private readonly keys: PrefixedKeys
  private readonly partSize: number
  private readonly uploadConcurrency: number
  /** Where this store points, for error messages: never includes credentials. */
  readonly location: string

  constructor(opts: S3BlobStoreOptions) {
    if (!opts.bucket) throw new InvalidParameterError('S3 bucket name is required')
    this.bucket = opts.bucket
    this.keys = new PrefixedKeys(opts.prefix)
    this.partSize = opts.partSize ?? DEFAULT_PART_SIZE
    if (this.partSize < MIN_PART_SIZE) {
      throw new InvalidParameterError(`S3 partSize must be at least ${MIN_PART_SIZE} bytes`)
    }
    this.uploadConcurrency = Math.max(1, opts.uploadConcurrency ?? 2)
    this.client = new S3Client(s3ClientConfig(opts))
    const endpoint = opts.endpoint ? new URL(opts.endpoint).origin : `AWS S3 (${this.client.config.region})`
    this.location = `s3://${this.bucket}/${this.keys.root} at ${endpoint}`
  }

  async put(key: string, body: Readable | Buffer): Promise<void> {
    const target = { Bucket: this.bucket, Key: this.keys.full(key) }
    try {
      if (Buffer.isBuffer(body)) {
        await this.client.send(new PutObjectCommand({ ...target, Body: body }))
      } else {
        const opts = { partSize: this.partSize, concurrency: this.uploadConcurrency }
        await uploadStream(this.client, target, body, opts)
      }
    } catch (err) {
      throw this.translate(err, 'put', key)
    }
  }

  async get(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    const Key = this.keys.full(key)
    checkRange(range)
    if (range && range.end === range.start) {
      return noBytesOf(this, key)
    }
    const Range = range ? `bytes=${range.start}-${range.end === undefined ? '' : range.end - 1}` : undefined
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key, Range }))
      return out.Body as Readable
    } catch (err) {
      // A range starting at or past the end: S3 answers 416, the contract answers no bytes.
      if (statusOf(err) === 416) {
        return noBytesOf(this, key)
      }
      throw this.translate(err, 'get', key)
    }
  }

  async stat(key: string): Promise<BlobStat> {
    const Key = this.keys.full(key)
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }))
      return {
        key,
        size: out.ContentLength ?? 0,
        mtime: out.LastModified?.getTime() ?? 0,
        etag: stripQuotes(out.ETag),
        ...(out.VersionId && out.VersionId !== 'null' ? { versionId: out.VersionId } : {}),
      }
    } catch (err) {
      throw this.translate(err, 'stat', key)
    }
  }

  exists(key: string): Promise<boolean> {
    return existsByStat(this, key)
  }

  async touch(key: string): Promise<void> {
    const Key = this.keys.full(key)
    // S3 has no "touch". Copies are server-side (no bytes through us) and a copy's LastModified is
    // now; the object is copied aside and back, because some S3-compatible servers keep the old
    // time when an object is copied onto itself. The key always holds the same bytes meanwhile.
    // Objects over 5 GB cannot be copied in one call; they keep their time.
    const aside = `${Key}.railyard-touch-${randomUUID()}`
    const source = (k: string) => `${this.bucket}/${k.split('/').map(encodeURIComponent).join('/')}`
    try {
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: aside, CopySource: source(Key) }))
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key, CopySource: source(aside) }))
    } catch (err) {
      throw this.translate(err, 'touch', key)
    } finally {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: aside })).catch(() => {})
    }
  }

  async delete(key: string): Promise<void> {
    const Key = this.keys.full(key)
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }))
    } catch (err) {
      const translated = this.translate(err, 'delete', key)
      if (!(translated instanceof BlobNotFoundError)) throw translated
    }
  }

  async listPage(prefix: string, opts: { token?: string; limit?: number } = {}): Promise<ListPage> {
    const Prefix = this.keys.fullPrefix(prefix)
    const MaxKeys = pageLimit(opts.limit)
    try {
      const out = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix,
          ContinuationToken: opts.token || undefined,
          MaxKeys,
        }),
      )
      const items: BlobStat[] = []
      for (const obj of out.Contents ?? []) {
        const key = obj.Key && this.keys.relative(obj.Key)
        // `folder/` placeholders made by consoles are not objects of the store.
        if (!key || key.endsWith('/')) continue
        items.push({
          key,
          size: obj.Size ?? 0,
          mtime: obj.LastModified?.getTime() ?? 0,
          etag: stripQuotes(obj.ETag),
        })
      }
      const nextToken = out.IsTruncated ? out.NextContinuationToken : undefined
      return nextToken ? { items, nextToken } : { items }
    } catch (err) {
      throw this.translate(err, 'list', prefix)
    }
  }

  list(prefix: string): AsyncIterable<BlobStat> {
    return listAllPages(this, prefix)
  }

  /** Closes the client's sockets. */
  close(): void {
    this.client.destroy()
  }

  private translate(err: unknown, operation: string, key: string): Error {
    if (isNetworkError(err)) return unreachable(this.location, err)
    const name = (err as { name?: string })?.name ?? ''
    const status = statusOf(err)
    if (name === 'NoSuchBucket') return missingContainer('S3 bucket', this.bucket, this.location)
    if (name === 'NoSuchKey' || name === 'NotFound' || (status === 404 && operation !== 'list')) {
      return new BlobNotFoundError(key)
    }
    if (name === 'CredentialsProviderError') {
      return rejectedCredentials(this.location, 'NoCredentials', 'no S3 credentials were found')
    }
    if (CREDENTIAL_ERRORS.has(name) || status === 401 || status === 403) {
      return rejectedCredentials(this.location, name || String(status))
    }
    return storageFailure(this.location, `S3 ${operation} of '${key}'`, err)
  }
}

const CREDENTIAL_ERRORS = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'Forbidden',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  'AuthorizationHeaderMalformed',
])

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode
}

/**
 * The factory createBlobStore() uses for `s3://bucket/prefix?endpoint=…&region=…&path_style=…`.
 * Credentials come from the environment variables the URL names (AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY by default), never from the URL itself.
 */
export function fromUrl(url: URL, env: NodeJS.ProcessEnv = process.env): S3BlobStore {
  const loc = parseS3Url(url)
  return new S3BlobStore({
    bucket: loc.bucket,
    prefix: loc.prefix,
    endpoint: loc.endpoint,
    region: loc.region,
    forcePathStyle: loc.forcePathStyle,
    credentials: s3CredentialsFromEnv(loc, env),
  })
}
