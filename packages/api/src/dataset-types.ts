/**
 * Wire shapes of Railyard's data versioning: datastores (where data lives), datasets (a selection
 * of files in a datastore, or a SQL query), dataset versions (immutable snapshots named by the hash
 * of their manifest), and experiment freezes. Unset fields and empty lists are left out.
 */
import type { Tag } from './tracking-types.js'

export type DatastoreKind = 'local' | 's3' | 'azure-blob'
export const DATASTORE_KINDS: readonly DatastoreKind[] = ['local', 's3', 'azure-blob']

/**
 * Where a datastore's data lives; the fields that apply depend on the kind. Never holds secrets.
 * - local: `root`, an absolute folder path on the server's machine.
 * - s3: `bucket`, optional `prefix`, `region`, `endpoint` (any S3-compatible `http(s)://host:port`),
 *   `path_style` (true for path-style addressing, needed by most non-AWS servers).
 * - azure-blob: `account`, `container`, optional `prefix`, `endpoint` (blob service URL, default
 *   `https://{account}.blob.core.windows.net`).
 */
export interface DatastoreConfig {
  root?: string
  bucket?: string
  account?: string
  container?: string
  prefix?: string
  region?: string
  endpoint?: string
  path_style?: boolean
}

/**
 * Names of the secret fields a datastore kind uses.
 * - s3: `access_key_id`, `secret_access_key`, optional `session_token`
 *   (none at all: the AWS SDK's default chain decides).
 * - azure-blob: one of `connection_string`, `account_key`, `sas_token`.
 */
export type CredentialField =
  | 'access_key_id'
  | 'secret_access_key'
  | 'session_token'
  | 'connection_string'
  | 'account_key'
  | 'sas_token'

/**
 * How the server finds a datastore's secrets; exactly one of the three on create.
 * - `env`: field → name of an environment variable of the server process (`{ access_key_id: 'MY_KEY' }`).
 * - `secrets_file`: absolute path of a JSON file on the server holding `{ field: value }`; read at use.
 * - `secret`: the values themselves, stored encrypted with the server's key (AES-256-GCM, key from
 *   `RAILYARD_SECRET_KEY`); refused with INVALID_PARAMETER_VALUE when the server has no key.
 * Values are never returned: responses carry DatastoreCredentialsInfo.
 */
export interface DatastoreCredentials {
  env?: Partial<Record<CredentialField, string>>
  secrets_file?: string
  secret?: Partial<Record<CredentialField, string>>
}

/** What the API says about a datastore's credentials: where they come from, never their values. */
export interface DatastoreCredentialsInfo {
  type: 'env' | 'secrets_file' | 'encrypted' | 'none'
  /** type env: field → variable name. */
  env?: Partial<Record<CredentialField, string>>
  /** type secrets_file: the file's path. */
  secrets_file?: string
  /** type encrypted: which fields are stored. */
  fields?: CredentialField[]
}

export interface Datastore {
  name: string
  kind: DatastoreKind
  config: DatastoreConfig
  credentials: DatastoreCredentialsInfo
  /** Location as a URL (`file:///…`, `s3://bucket/prefix?…`, `azure://account/container/prefix?…`), no secrets. */
  uri: string
  description?: string
  /** Milliseconds since the epoch. */
  creation_timestamp: number
  created_by?: string
}

/**
 * A table dataset: each version is the result of `query` on the database at `source_uri`
 * (`sqlite:/abs/path.db` or `postgres://user@host:port/db`). The URI must not contain a password;
 * name the server environment variable holding it in `password_env`. Rows are ordered by every
 * column so the same data always gives the same version; the result is stored as JSON Lines.
 */
export interface TableSource {
  source_uri: string
  query: string
  password_env?: string
}

/** A Railyard dataset (MLflow's `Dataset` is the run-input record; this is the versioned definition). */
export interface VersionedDataset {
  name: string
  /** 'files' for a selection of datastore files, 'table' for a SQL query. */
  type: 'files' | 'table'
  /** The datastore name (files datasets). */
  datastore?: string
  /** Folder inside the datastore; version paths are relative to it. '' is the datastore's root. */
  path?: string
  /**
   * Glob inside the datastore (`tweets/2024-0?/*.json`): its folder part before the first
   * wildcard becomes `path`, the rest the pattern files must match. `*` matches within one path
   * segment, `**` any number of segments, `?` one character, `{a,b}` alternatives.
   */
  glob?: string
  /** Globs relative to `path`; a file is taken when it matches any include (default: all) and no exclude. */
  include?: string[]
  exclude?: string[]
  table?: TableSource
  description?: string
  tags?: Tag[]
  creation_timestamp: number
  created_by?: string
  /** The newest version, when there is one. */
  latest_version?: DatasetVersion
}

/**
 * One immutable snapshot. Its manifest is stored as a content-addressed object: a header line
 * `{"type":"railyard.dataset-manifest","version":1}` followed by one line per file,
 * `{"path":…,"size":…,"oid":…,"marker":…}` (keys in this order, no spaces), sorted by the UTF-8
 * bytes of the paths, each line ending in `\n`. `id` is the SHA-256 of those bytes, so the same
 * files (same paths, contents and change markers) always give the same id.
 */
export interface DatasetVersion {
  dataset: string
  /** `sha256:<64 hex digits>` of the canonical manifest. */
  id: string
  /** First 12 hex digits of the id: what run inputs record as the digest. Any unique prefix of ≥ 8 digits resolves. */
  short_id: string
  file_count: number
  /** Sum of the file sizes. */
  total_bytes: number
  /** Bytes of the manifest object. */
  manifest_bytes: number
  /** True when the file contents were copied into Railyard's object store; reads then come from there. */
  pinned: boolean
  /** Table datasets: rows in the result and the content id of the JSON Lines file (`sha256:…`; `blake3:…` over 1 MiB). */
  row_count?: number
  table_digest?: string
  message?: string
  tags?: Tag[]
  /** First time this version was taken, milliseconds since the epoch. */
  creation_timestamp: number
  created_by?: string
}

/** One file of a version. */
export interface DatasetFile {
  /** Relative to the dataset's path, `/`-separated. */
  path: string
  size: number
  /** Content id: `sha256:…` for files up to 1 MiB, `blake3:…` (plain BLAKE3, as `b3sum` prints) above. */
  oid: string
  /** The datastore's change marker when the version was taken: ETag or version id (cloud), `mtime-size` (local). */
  marker: string
}

/**
 * The lines of a snapshot's NDJSON response. Progress lines carry counts only; the last line
 * carries either `version` (success) or `error` (failure; nothing was stored).
 * `files_total`/`bytes_total` grow during 'listing' and are final from 'hashing' on.
 */
export interface SnapshotEvent {
  phase: 'listing' | 'hashing' | 'pinning' | 'writing' | 'done' | 'failed'
  files_done: number
  files_total: number
  bytes_done: number
  bytes_total: number
  /** Files whose hash came from the stat cache (not read again). */
  files_cached?: number
  /** phase 'done': the version (new, or an identical existing one). */
  version?: DatasetVersion
  /** True when an identical version already existed. */
  reused?: boolean
  /** phase 'failed': MLflow's error body. */
  error?: { error_code: string; message: string }
}

export interface DatasetDiffEntry {
  path: string
  /** Size in the `to` version (added, modified) or in the `from` version (removed). */
  size: number
  /** modified: the size in the `from` version. */
  old_size?: number
}

export interface DatasetDiff {
  from: string
  to: string
  added?: DatasetDiffEntry[]
  removed?: DatasetDiffEntry[]
  modified?: DatasetDiffEntry[]
  /** Counts and byte sums over the whole diff, not just this page. */
  summary: {
    added: number
    removed: number
    modified: number
    unchanged: number
    /** Bytes of the added files and of the modified files' new content. */
    bytes_added: number
    /** Bytes of the removed files and of the modified files' old content. */
    bytes_removed: number
  }
  /** Present when more entries remain; pass it back as page_token. */
  next_page_token?: string
}

/** A file that no longer matches its version. */
export interface ChangedFile {
  path: string
  problem: 'missing' | 'size' | 'content' | 'marker'
  expected_size: number
  actual_size?: number
}

export interface VerifyResult {
  ok: boolean
  checked: number
  /** At most 1000 listed; `changed_count` has the total. */
  changed?: ChangedFile[]
  changed_count: number
}

/** The version an experiment uses for a dataset. */
export interface DatasetFreeze {
  experiment_id: string
  /** Set in listings (`datasets/freezes`). */
  experiment_name?: string
  dataset: string
  version: DatasetVersion
  /** Milliseconds since the epoch of the freeze (or last refresh). */
  frozen_at: number
  frozen_by?: string
  /** The run whose first use froze it. */
  run_id?: string
}

/** One entry of a freeze's audit list. */
export interface FreezeEvent {
  experiment_id: string
  dataset: string
  action: 'freeze' | 'refresh'
  /** Full version ids; absent `from_version` on the first freeze. */
  from_version?: string
  to_version: string
  who?: string
  reason?: string
  run_id?: string
  timestamp: number
}

export interface ResolveDatasetResponse {
  freeze: DatasetFreeze
  /** True when this call created the freeze (first use in the experiment). */
  created: boolean
  /** When run_id was given: the run input that was logged (MLflow's Dataset shape). */
  run_input?: { name: string; digest: string; source_type: 'railyard'; source: string }
}
