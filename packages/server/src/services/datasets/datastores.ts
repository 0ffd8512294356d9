import fs from 'node:fs/promises'
import path from 'node:path'
import {
  ApiError,
  DATASET_LIMITS,
  InvalidParameterError,
  NotFoundError,
  PermissionDeniedError,
  toInt,
  type Datastore,
  type DatastoreConfig,
  type DatastoreKind,
  type DatasetRequestOf,
} from '@railyard/api'
import type { Store } from '../../store/store.js'
import type { DatastoreRow } from '../../store/datasets-repo.js'
import { decodePageToken, page } from '../page-token.js'
import { pageSize } from '../validation.js'
import { BlobSource, type DataSource } from './data-source.js'
import { LocalFolderSource } from './local-source.js'
import {
  credentialsInfo,
  locationUrl,
  normalizeConfig,
  parseKind,
  prepareCredentials,
  resolveCredentials,
  type CredentialValues,
  type StoredCredentials,
} from './datastore-config.js'
import { checkName } from './names.js'
import type { SecretBox } from './secret-box.js'

/**
 * Datastores: named connections to where data lives (a local folder, an S3 bucket, an Azure
 * container). Secrets are never stored in the clear nor returned; `open` builds the reader with
 * the credentials looked up at that moment.
 */
export class DatastoresService {
  private readonly sources = new Map<number, DataSource>()

  /**
   * `localRoots`: folders local datastores must lie in (RAILYARD_LOCAL_DATASTORE_ROOTS, separated
   * like PATH); undefined allows any folder the server can read.
   */
  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly localRoots?: string[],
  ) {}

  async create(req: DatasetRequestOf<'createDatastore'>, who: string): Promise<Datastore> {
    checkName(req.name, 'datastore')
    const kind = parseKind(req.kind)
    const config = normalizeConfig(kind, req.config)
    const credentials = prepareCredentials(kind, req.credentials, this.box)
    if (kind === 'local') this.checkLocalRoot(req.name, config.root!)
    if (req.verify !== false) {
      const source = await this.build(req.name, kind, config, credentials)
      try {
        await probe(req.name, kind, config, source)
      } finally {
        source.close()
      }
    }
    const row = await this.store.datasets.insertDatastore({
      name: req.name,
      kind,
      config: JSON.stringify(config),
      credentials: JSON.stringify(credentials),
      description: req.description ?? null,
      created_by: who,
      creation_timestamp: Date.now(),
    })
    return this.toWire(row)
  }

  async get(name: string): Promise<Datastore> {
    return this.toWire(await this.row(name))
  }

  async row(name: string): Promise<DatastoreRow> {
    const row = await this.store.datasets.datastoreByName(name)
    if (!row) throw new NotFoundError(`Datastore '${name}' does not exist`)
    return row
  }

  async rowById(id: number): Promise<DatastoreRow> {
    const row = await this.store.datasets.datastoreById(id)
    if (!row) throw new NotFoundError(`Datastore #${id} does not exist`)
    return row
  }

  async list(req: DatasetRequestOf<'listDatastores'>): Promise<{ datastores: Datastore[]; next_page_token?: string }> {
    const size = pageSize(toInt(req.max_results), DATASET_LIMITS.listDefault, DATASET_LIMITS.listMax)
    const offset = decodePageToken(req.page_token)
    const rows = await this.store.datasets.listDatastores(offset, size + 1)
    const { items, nextPageToken } = page(rows, offset, size)
    return { datastores: items.map((r) => this.toWire(r)), next_page_token: nextPageToken }
  }

  async delete(name: string): Promise<void> {
    const row = await this.row(name)
    const users = await this.store.datasets.deleteDatastore(row.datastore_id)
    if (users.length) {
      throw new ApiError('RESOURCE_CONFLICT', `Datastore '${name}' is used by dataset(s) ${users.map((u) => `'${u}'`).join(', ')}`)
    }
    this.sources.get(row.datastore_id)?.close()
    this.sources.delete(row.datastore_id)
  }

  /** The datastore's reader, built once per server and datastore. */
  async open(row: DatastoreRow): Promise<DataSource> {
    const cached = this.sources.get(row.datastore_id)
    if (cached) return cached
    const source = await this.build(row.name, row.kind as DatastoreKind, configOf(row), JSON.parse(row.credentials) as StoredCredentials)
    this.sources.set(row.datastore_id, source)
    return source
  }

  /** Checks that the datastore answers and `folder` has files; a 400 naming the datastore otherwise. */
  async probe(row: DatastoreRow, folder: string): Promise<void> {
    const source = await this.open(row)
    try {
      for await (const page of source.list(folder)) if (page.length) return
    } catch (err) {
      throw asInputError(row.name, err)
    }
    throw new InvalidParameterError(`Datastore '${row.name}' has no files under '${folder || '/'}'`)
  }

  uri(row: DatastoreRow): string {
    return locationUrl(row.kind as DatastoreKind, configOf(row), JSON.parse(row.credentials) as StoredCredentials)
  }

  toWire(row: DatastoreRow): Datastore {
    const credentials = JSON.parse(row.credentials) as StoredCredentials
    return {
      name: row.name,
      kind: row.kind as DatastoreKind,
      config: configOf(row),
      credentials: credentialsInfo(credentials),
      uri: this.uri(row),
      description: row.description ?? undefined,
      creation_timestamp: row.creation_timestamp,
      created_by: row.created_by ?? undefined,
    }
  }

  private checkLocalRoot(name: string, root: string): void {
    if (!this.localRoots) return
    const inside = this.localRoots.some((allowed) => {
      const rel = path.relative(path.resolve(allowed), root)
      return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))
    })
    if (!inside) {
      throw new PermissionDeniedError(`Datastore '${name}': local folder ${root} is outside the folders this server allows (${this.localRoots.join(', ')})`)
    }
  }

  close(): void {
    for (const source of this.sources.values()) source.close()
    this.sources.clear()
  }

  private async build(name: string, kind: DatastoreKind, config: DatastoreConfig, stored: StoredCredentials): Promise<DataSource> {
    if (kind === 'local') {
      this.checkLocalRoot(name, config.root!)
      return new LocalFolderSource(config.root!)
    }
    const values = await resolveCredentials(name, kind, stored, this.env, this.box)
    if (kind === 's3') return new BlobSource(await s3Store(config, values))
    return new BlobSource(await azureStore(config, values))
  }
}

function configOf(row: DatastoreRow): DatastoreConfig {
  return JSON.parse(row.config) as DatastoreConfig
}

async function s3Store(config: DatastoreConfig, v: CredentialValues) {
  const { S3BlobStore } = await import('../../blob/s3.js')
  const credentials = v.access_key_id
    ? { accessKeyId: v.access_key_id, secretAccessKey: v.secret_access_key!, ...(v.session_token ? { sessionToken: v.session_token } : {}) }
    : undefined
  return new S3BlobStore({
    bucket: config.bucket!,
    prefix: config.prefix,
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: config.path_style,
    credentials,
  })
}

async function azureStore(config: DatastoreConfig, v: CredentialValues) {
  const { AzureBlobStore } = await import('../../blob/azure.js')
  return new AzureBlobStore({
    account: config.account,
    container: config.container!,
    prefix: config.prefix,
    url: config.endpoint,
    ...(v.connection_string ? { connectionString: v.connection_string } : {}),
    ...(v.account_key ? { accountKey: v.account_key } : {}),
    ...(v.sas_token ? { sasToken: v.sas_token } : {}),
  })
}

/** One listing call: reachability, credentials and the bucket/container/folder itself. */
async function probe(name: string, kind: DatastoreKind, config: DatastoreConfig, source: DataSource): Promise<void> {
  if (kind === 'local') {
    const st = await fs.stat(config.root!).catch(() => undefined)
    if (!st?.isDirectory()) throw new InvalidParameterError(`Datastore '${name}': folder ${config.root} does not exist on the server`)
    return
  }
  try {
    await source.blobs.listPage('', { limit: 1 })
  } catch (err) {
    throw asInputError(name, err)
  }
}

/**
 * Storage failures met while checking a datastore the caller described (unreachable endpoint,
 * rejected credentials, missing bucket) are the caller's input problem: a 400 naming the datastore.
 */
export function asInputError(name: string, err: unknown): unknown {
  if (err instanceof ApiError && ['TEMPORARILY_UNAVAILABLE', 'PERMISSION_DENIED', 'RESOURCE_DOES_NOT_EXIST', 'UNAUTHENTICATED'].includes(err.code)) {
    return new InvalidParameterError(`Datastore '${name}': ${err.message}`)
  }
  return err
}
