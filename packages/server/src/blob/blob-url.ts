import { InvalidParameterError } from '@railyard/api'
import { keyProblem } from './keys.js'

/**
 * Blob store URLs name where data lives, never the secrets to reach it: credentials come from
 * environment variables whose names the URL may choose (`access_key_id_env=MY_KEY`), so a URL can
 * be stored, logged and returned by the API as it is.
 *
 *   s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1&path_style=true
 *   azure://account/container/prefix?endpoint=http://127.0.0.1:10000/devstoreaccount1
 */

export interface S3Location {
  bucket: string
  /** Root inside the bucket, without leading or trailing `/`; '' for the whole bucket. */
  prefix: string
  endpoint?: string
  region?: string
  forcePathStyle?: boolean
  /** Names of the environment variables holding the credentials (names only, never values). */
  credentialEnv: { accessKeyId: string; secretAccessKey: string; sessionToken: string }
}

export interface AzureLocation {
  account: string
  container: string
  prefix: string
  /** Blob service URL; defaults to https://{account}.blob.core.windows.net. */
  endpoint?: string
  /** Names of the environment variables holding the credentials; the first one set is used. */
  credentialEnv: { connectionString: string; accountKey: string; sasToken: string }
}

const S3_PARAMS = [
  'endpoint',
  'region',
  'path_style',
  'access_key_id_env',
  'secret_access_key_env',
  'session_token_env',
]
const AZURE_PARAMS = ['endpoint', 'connection_string_env', 'account_key_env', 'sas_token_env']

// S3's bucket naming rules (lowercase, digits, dots, hyphens; 3–63 characters).
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/
const AZURE_ACCOUNT = /^[a-z0-9]{3,24}$/
const AZURE_CONTAINER = /^(\$root|[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9])$/
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

export function parseS3Url(url: URL): S3Location {
  if (url.protocol !== 's3:') throw new InvalidParameterError(`Not an s3:// URL: ${url.protocol}`)
  checkCommon(url, S3_PARAMS, 'AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY')
  const bucket = url.hostname
  if (!BUCKET_NAME.test(bucket)) {
    throw new InvalidParameterError(
      `Invalid S3 bucket name '${bucket}' in s3:// URL (3-63 lowercase letters, digits, '.', '-')`,
    )
  }
  const q = url.searchParams
  const pathStyle = q.get('path_style')
  return {
    bucket,
    prefix: pathPrefix(url.pathname),
    endpoint: optionalEndpoint(q.get('endpoint')),
    region: q.get('region') || undefined,
    forcePathStyle: pathStyle === null ? undefined : parseBool('path_style', pathStyle),
    credentialEnv: {
      accessKeyId: envName(q, 'access_key_id_env', 'AWS_ACCESS_KEY_ID'),
      secretAccessKey: envName(q, 'secret_access_key_env', 'AWS_SECRET_ACCESS_KEY'),
      sessionToken: envName(q, 'session_token_env', 'AWS_SESSION_TOKEN'),
    },
  }
}

export function parseAzureUrl(url: URL): AzureLocation {
  if (url.protocol !== 'azure:') throw new InvalidParameterError(`Not an azure:// URL: ${url.protocol}`)
  checkCommon(url, AZURE_PARAMS, 'AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN')
  const account = url.hostname
  if (!AZURE_ACCOUNT.test(account)) {
    throw new InvalidParameterError(
      `Invalid Azure storage account '${account}' in azure:// URL (3-24 lowercase letters and digits)`,
    )
  }
  const [container = '', ...rest] = url.pathname.replace(/^\/+/, '').split('/')
  const containerName = decodeURIComponent(container)
  if (!AZURE_CONTAINER.test(containerName)) {
    throw new InvalidParameterError(
      `Invalid or missing Azure container '${containerName}' in azure://account/container/prefix ` +
        `(3-63 lowercase letters, digits, '-')`,
    )
  }
  const q = url.searchParams
  return {
    account,
    container: containerName,
    prefix: pathPrefix(rest.join('/')),
    endpoint: optionalEndpoint(q.get('endpoint')),
    credentialEnv: {
      connectionString: envName(q, 'connection_string_env', 'AZURE_STORAGE_CONNECTION_STRING'),
      accountKey: envName(q, 'account_key_env', 'AZURE_STORAGE_KEY'),
      sasToken: envName(q, 'sas_token_env', 'AZURE_STORAGE_SAS_TOKEN'),
    },
  }
}

/** Static S3 credentials from the environment, or undefined to let the SDK's default chain decide. */
export function s3CredentialsFromEnv(
  loc: S3Location,
  env: NodeJS.ProcessEnv,
): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined {
  const { accessKeyId: idName, secretAccessKey: secretName, sessionToken: tokenName } = loc.credentialEnv
  const accessKeyId = env[idName]
  const secretAccessKey = env[secretName]
  if (!accessKeyId && !secretAccessKey) return undefined
  if (!accessKeyId || !secretAccessKey) {
    throw new InvalidParameterError(
      `S3 credentials for bucket '${loc.bucket}' are incomplete: set both ${idName} and ${secretName}`,
    )
  }
  const sessionToken = env[tokenName] || undefined
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey }
}

/** Azure credentials from the environment: the first of connection string, account key, SAS that is set. */
export function azureCredentialsFromEnv(
  loc: AzureLocation,
  env: NodeJS.ProcessEnv,
): { connectionString: string } | { accountKey: string } | { sasToken: string } {
  const names = loc.credentialEnv
  if (env[names.connectionString]) return { connectionString: env[names.connectionString]! }
  if (env[names.accountKey]) return { accountKey: env[names.accountKey]! }
  if (env[names.sasToken]) return { sasToken: env[names.sasToken]! }
  throw new InvalidParameterError(
    `No credentials for Azure container '${loc.container}' in account '${loc.account}': ` +
      `set ${names.connectionString}, ${names.accountKey} or ${names.sasToken}`,
  )
}

function checkCommon(url: URL, allowed: string[], envHint: string): void {
  if (url.username || url.password) {
    // Say nothing about the value: it is likely a secret.
    throw new InvalidParameterError(
      `Credentials must not be embedded in a ${url.protocol}// URL; put them in environment variables (${envHint})`,
    )
  }
  if (url.port) throw new InvalidParameterError(`A ${url.protocol}// URL takes no port; use ?endpoint=http://host:port`)
  const unknown = [...new Set(url.searchParams.keys())].filter((k) => !allowed.includes(k))
  if (unknown.length) {
    const names = unknown.map((k) => `'${k}'`).join(', ')
    throw new InvalidParameterError(
      `Unknown parameter(s) ${names} in ${url.protocol}// URL; allowed: ${allowed.join(', ')}`,
    )
  }
}

// The URL parser has already resolved plain `.` and `..` segments; what is left must be a valid key.
function pathPrefix(pathname: string): string {
  const prefix = pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s)).join('/')
  const problem = prefix ? keyProblem(prefix) : undefined
  if (problem) throw new InvalidParameterError(`Invalid prefix '${prefix}' in blob URL: ${problem}`)
  return prefix
}

function optionalEndpoint(value: string | null): string | undefined {
  if (!value) return undefined
  let endpoint: URL
  try {
    endpoint = new URL(value)
  } catch {
    throw new InvalidParameterError(`Invalid endpoint '${value}': expected http(s)://host[:port][/path]`)
  }
  if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') {
    throw new InvalidParameterError(`Invalid endpoint protocol '${endpoint.protocol}': expected http or https`)
  }
  if (endpoint.username || endpoint.password || endpoint.search) {
    throw new InvalidParameterError('The endpoint must not carry credentials or query parameters; use environment variables')
  }
  return endpoint.href.replace(/\/$/, '')
}

function parseBool(name: string, value: string): boolean {
  if (value === 'true' || value === '1') return true
  if (value === 'false' || value === '0') return false
  throw new InvalidParameterError(`Parameter ${name} must be true or false, got '${value}'`)
}

function envName(q: URLSearchParams, param: string, fallback: string): string {
  const name = q.get(param)
  if (name === null) return fallback
  if (!ENV_NAME.test(name)) throw new InvalidParameterError(`Parameter ${param} must be an environment variable name`)
  return name
}
