import fs from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  DATASTORE_KINDS,
  InvalidParameterError,
  type CredentialField,
  type DatastoreConfig,
  type DatastoreCredentials,
  type DatastoreCredentialsInfo,
  type DatastoreKind,
} from '@railyard/api'
import { parseAzureUrl, parseS3Url } from '../../blob/blob-url.js'
import type { SecretBox } from './secret-box.js'

/** Credentials as stored in the datastore row: references, or ciphertext; never plain values. */
export interface StoredCredentials {
  type: 'env' | 'secrets_file' | 'encrypted' | 'none'
  env?: Partial<Record<CredentialField, string>>
  secrets_file?: string
  fields?: CredentialField[]
  ciphertext?: string
}

export type CredentialValues = Partial<Record<CredentialField, string>>

export const CREDENTIAL_FIELDS: Record<DatastoreKind, CredentialField[]> = {
  local: [],
  s3: ['access_key_id', 'secret_access_key', 'session_token'],
  'azure-blob': ['connection_string', 'account_key', 'sas_token'],
}

const CONFIG_FIELDS: Record<DatastoreKind, Array<keyof DatastoreConfig>> = {
  local: ['root'],
  s3: ['bucket', 'prefix', 'region', 'endpoint', 'path_style'],
  'azure-blob': ['account', 'container', 'prefix', 'endpoint'],
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

export function parseKind(kind: string): DatastoreKind {
  if (!(DATASTORE_KINDS as readonly string[]).includes(kind)) {
    throw new InvalidParameterError(`Unknown datastore kind '${kind}': use one of ${DATASTORE_KINDS.join(', ')}`)
  }
  return kind as DatastoreKind
}

/**
 * Checks a datastore's config for its kind and returns it in stored form (only the fields that
 * apply, a local root resolved, prefixes without slashes at the ends). Bucket, account, container
 * and endpoint rules are those of the s3:// and azure:// URLs.
 */
export function normalizeConfig(kind: DatastoreKind, config: DatastoreConfig): DatastoreConfig {
  const extra = Object.keys(config).filter((k) => (config as Record<string, unknown>)[k] !== undefined && !CONFIG_FIELDS[kind].includes(k as keyof DatastoreConfig))
  if (extra.length) {
    throw new InvalidParameterError(`Config field(s) ${extra.join(', ')} do not apply to a ${kind} datastore; it takes ${CONFIG_FIELDS[kind].join(', ')}`)
  }
  if (kind === 'local') {
    if (!config.root || !path.isAbsolute(config.root)) {
      throw new InvalidParameterError(`A local datastore needs config.root, an absolute folder path on the server (got '${config.root ?? ''}')`)
    }
    return { root: path.resolve(config.root) }
  }
  if (kind === 's3') {
    if (!config.bucket) throw new InvalidParameterError('An s3 datastore needs config.bucket')
    const loc = parseS3Url(new URL(locationUrl(kind, config, undefined)))
    return omitUndefined({
      bucket: loc.bucket,
      prefix: loc.prefix || undefined,
      region: loc.region,
      endpoint: loc.endpoint,
      path_style: loc.forcePathStyle,
    })
  }
  if (!config.account || !config.container) throw new InvalidParameterError('An azure-blob datastore needs config.account and config.container')
  const loc = parseAzureUrl(new URL(locationUrl(kind, config, undefined)))
  return omitUndefined({ account: loc.account, container: loc.container, prefix: loc.prefix || undefined, endpoint: loc.endpoint })
}

/** The datastore as a URL the blob stores understand; credential references as `…_env` parameters, never values. */
export function locationUrl(kind: DatastoreKind, config: DatastoreConfig, creds: StoredCredentials | undefined): string {
  if (kind === 'local') return pathToFileURL(config.root ?? '/').href
  const prefix = (config.prefix ?? '').split('/').filter(Boolean).map(encodeURIComponent).join('/')
  const q = new URLSearchParams()
  if (config.endpoint) q.set('endpoint', config.endpoint)
  if (kind === 's3') {
    if (config.region) q.set('region', config.region)
    if (config.path_style !== undefined) q.set('path_style', String(config.path_style))
  }
  for (const [field, name] of Object.entries(creds?.type === 'env' ? (creds.env ?? {}) : {})) q.set(`${field}_env`, name!)
  const query = q.size ? `?${q}` : ''
  const where = kind === 's3' ? `s3://${config.bucket}` : `azure://${config.account}/${config.container}`
  return `${where}/${prefix}${query}`
}

/** Checks the credentials given on create and turns them into their stored form. */
export function prepareCredentials(kind: DatastoreKind, input: DatastoreCredentials | undefined, box: SecretBox): StoredCredentials {
  const given = (['env', 'secrets_file', 'secret'] as const).filter((k) => input?.[k] !== undefined)
  if (given.length === 0) {
    if (kind === 'azure-blob') {
      throw new InvalidParameterError('An azure-blob datastore needs credentials: a connection string, account key or SAS token (credentials.env, secrets_file or secret)')
    }
    return { type: 'none' }
  }
  if (kind === 'local') throw new InvalidParameterError('A local datastore takes no credentials')
  if (given.length > 1) throw new InvalidParameterError(`Give one of credentials.env, credentials.secrets_file, credentials.secret; got ${given.join(' and ')}`)
  if (input!.env) {
    const env = checkFields(kind, input!.env, 'credentials.env')
    for (const [field, name] of Object.entries(env)) {
      if (!ENV_NAME.test(name!)) throw new InvalidParameterError(`credentials.env.${field} must be an environment variable name, got '${name}'`)
    }
    checkCombination(kind, Object.keys(env) as CredentialField[])
    return { type: 'env', env }
  }
  if (input!.secrets_file !== undefined) {
    if (!path.isAbsolute(input!.secrets_file)) throw new InvalidParameterError('credentials.secrets_file must be an absolute path on the server')
    return { type: 'secrets_file', secrets_file: path.resolve(input!.secrets_file) }
  }
  const values = checkFields(kind, input!.secret!, 'credentials.secret')
  const fields = Object.keys(values) as CredentialField[]
  checkCombination(kind, fields)
  return { type: 'encrypted', fields, ciphertext: box.seal(JSON.stringify(values)) }
}

export function credentialsInfo(stored: StoredCredentials): DatastoreCredentialsInfo {
  switch (stored.type) {
    case 'env':
      return { type: 'env', env: stored.env }
    case 'secrets_file':
      return { type: 'secrets_file', secrets_file: stored.secrets_file }
    case 'encrypted':
      return { type: 'encrypted', fields: stored.fields }
    default:
      return { type: 'none' }
  }
}

/** The secret values, looked up now (environment, file or decryption). */
export async function resolveCredentials(
  name: string,
  kind: DatastoreKind,
  stored: StoredCredentials,
  env: NodeJS.ProcessEnv,
  box: SecretBox,
): Promise<CredentialValues> {
  const what = `Datastore '${name}'`
  if (stored.type === 'env') {
    const out: CredentialValues = {}
    for (const [field, variable] of Object.entries(stored.env ?? {}) as Array<[CredentialField, string]>) {
      const value = env[variable]
      if (value) out[field] = value
      else if (field !== 'session_token') {
        throw new InvalidParameterError(`${what}: environment variable ${variable} (${field}) is not set on the server`)
      }
    }
    return out
  }
  if (stored.type === 'secrets_file') {
    let doc: unknown
    try {
      doc = JSON.parse(await fs.readFile(stored.secrets_file!, 'utf8'))
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? 'not valid JSON'
      throw new InvalidParameterError(`${what}: cannot read the secrets file ${stored.secrets_file} (${reason})`)
    }
    if (!doc || typeof doc !== 'object') throw new InvalidParameterError(`${what}: the secrets file ${stored.secrets_file} must hold a JSON object`)
    const values = checkFields(kind, doc as Record<string, string>, `secrets file ${stored.secrets_file}`)
    checkCombination(kind, Object.keys(values) as CredentialField[])
    return values
  }
  if (stored.type === 'encrypted') return JSON.parse(box.open(stored.ciphertext!, what)) as CredentialValues
  return {}
}

function checkFields(kind: DatastoreKind, values: Record<string, string>, where: string): CredentialValues {
  const allowed = CREDENTIAL_FIELDS[kind]
  const out: CredentialValues = {}
  for (const [field, value] of Object.entries(values)) {
    if (!allowed.includes(field as CredentialField)) {
      throw new InvalidParameterError(`Unknown field '${field}' in ${where}; a ${kind} datastore uses ${allowed.join(', ')}`)
    }
    if (typeof value !== 'string' || value === '') throw new InvalidParameterError(`${where}.${field} must be a non-empty string`)
    out[field as CredentialField] = value
  }
  return out
}

function checkCombination(kind: DatastoreKind, fields: CredentialField[]): void {
  if (kind === 's3') {
    const id = fields.includes('access_key_id')
    const secret = fields.includes('secret_access_key')
    if (id !== secret || (!id && fields.length > 0)) {
      throw new InvalidParameterError('S3 credentials need both access_key_id and secret_access_key (session_token is optional)')
    }
  } else if (kind === 'azure-blob' && fields.length !== 1) {
    throw new InvalidParameterError('Azure credentials need exactly one of connection_string, account_key, sas_token')
  }
}

function omitUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}
