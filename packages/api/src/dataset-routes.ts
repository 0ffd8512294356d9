import Type, { type Static, type TSchema } from 'typebox'
import { Int64, KeyValueList, opt } from './schema-helpers.js'
import type { Endpoint } from './tracking-routes.js'
import { RUN_LOGS_PREFIXES } from './run-logs.js'
import type {
  VersionedDataset,
  DatasetFile,
  DatasetFreeze,
  DatasetVersion,
  Datastore,
  FreezeEvent,
} from './dataset-types.js'

/**
 * Data versioning endpoints, paths below `/api/2.0/railyard` (and `/ajax-api/2.0/railyard`).
 *
 * Errors (MLflow's `{error_code, message}`): RESOURCE_DOES_NOT_EXIST (404) for an unknown
 * datastore, dataset, version or file; RESOURCE_ALREADY_EXISTS (400) for a taken name;
 * INVALID_PARAMETER_VALUE (400) for bad input, an unknown datastore kind, an unreachable endpoint,
 * rejected credentials, a missing bucket/container/folder, or a selection that matches no file;
 * RESOURCE_CONFLICT (409) when a file changed or vanished since an unpinned version was taken (the
 * message names the files) or a datastore is still used by datasets.
 *
 * A version may be named by its full id (`sha256:…`), the 64 hex digits alone, a unique prefix of
 * at least 8 hex digits (the 12-digit `short_id` included), or `latest`.
 */
export const DATASET_PREFIXES = RUN_LOGS_PREFIXES

export const DATASET_LIMITS = {
  /** Names: datastores and datasets. */
  nameLength: 256,
  /** Datastores, datasets, versions, freeze events per page: default and most. */
  listDefault: 100,
  listMax: 1000,
  /** Files of a version per page (`versions/files`) and diff entries per page: default and most. */
  filesDefault: 1000,
  filesMax: 10000,
  /** Paths one `readDatasetFiles` request may name. */
  readFilesMax: 10000,
  /** Hex digits a version id prefix needs at least. */
  versionPrefixMin: 8,
  /** Hex digits of a short id (run input digest; MLflow allows 36 characters). */
  shortIdLength: 12,
} as const

const endpoint = <S extends TSchema>(e: Endpoint<S>) => e

const Name = { name: Type.String() }
const VersionRef = { name: Type.String(), version: Type.String() }
const Page = { max_results: opt(Int64), page_token: opt(Type.String()) }

const CredentialMap = Type.Record(Type.String(), Type.String())

export const datasetEndpoints = {
  // ---- datastores ----

  /**
   * Registers a datastore. `kind` is `local`, `s3` or `azure-blob`; `config` is DatastoreConfig;
   * `credentials` is DatastoreCredentials (references or encrypted values, never returned).
   * Unless `verify` is false, the datastore is listed once first, so an unreachable endpoint,
   * rejected credentials or a missing bucket/container/folder is a 400 and nothing is stored.
   * A local root outside the server's RAILYARD_LOCAL_DATASTORE_ROOTS (when set) is PERMISSION_DENIED.
   * Response: `{ datastore: Datastore }`.
   */
  createDatastore: endpoint({
    method: 'POST',
    path: '/datastores/create',
    request: Type.Object({
      ...Name,
      kind: Type.String(),
      config: Type.Object({
        root: opt(Type.String()),
        bucket: opt(Type.String()),
        account: opt(Type.String()),
        container: opt(Type.String()),
        prefix: opt(Type.String()),
        region: opt(Type.String()),
        endpoint: opt(Type.String()),
        path_style: opt(Type.Boolean()),
      }),
      credentials: opt(
        Type.Object({
          env: opt(CredentialMap),
          secrets_file: opt(Type.String()),
          secret: opt(CredentialMap),
        }),
      ),
      description: opt(Type.String()),
      verify: opt(Type.Boolean()),
    }),
  }),
  /** Response: `{ datastore: Datastore }`. */
  getDatastore: endpoint({ method: 'GET', path: '/datastores/get', request: Type.Object({ ...Name }) }),
  /** By name. Response: `{ datastores?: Datastore[], next_page_token?: string }`. */
  listDatastores: endpoint({ method: 'GET', path: '/datastores/list', request: Type.Object({ ...Page }) }),
  /** Refused with RESOURCE_CONFLICT while datasets use it. Response: `{}`. */
  deleteDatastore: endpoint({ method: 'DELETE', path: '/datastores/delete', request: Type.Object({ ...Name }) }),

  // ---- datasets ----

  /**
   * A files dataset (`datastore` + `path` and/or `glob`, optional `include`/`exclude` globs relative
   * to the dataset's path) or a table dataset (`table`: TableSource). Response: `{ dataset: VersionedDataset }`.
   */
  createDataset: endpoint({
    method: 'POST',
    path: '/datasets/create',
    request: Type.Object({
      ...Name,
      datastore: opt(Type.String()),
      path: opt(Type.String()),
      glob: opt(Type.String()),
      include: opt(Type.Array(Type.String())),
      exclude: opt(Type.Array(Type.String())),
      table: opt(
        Type.Object({
          source_uri: Type.String(),
          query: Type.String(),
          password_env: opt(Type.String()),
        }),
      ),
      description: opt(Type.String()),
      tags: opt(KeyValueList),
    }),
  }),
  /** Response: `{ dataset: VersionedDataset }` with its latest version. */
  getDataset: endpoint({ method: 'GET', path: '/datasets/get', request: Type.Object({ ...Name }) }),
  /**
   * Deletes a dataset and its versions (their manifests go at the next `railyard gc`). Refused with
   * RESOURCE_CONFLICT once any experiment has been frozen on it or any run logged one of its
   * versions as an input: what data those used must stay answerable. Response: `{}`.
   */
  deleteDataset: endpoint({ method: 'DELETE', path: '/datasets/delete', request: Type.Object({ ...Name }) }),
  /** By name, optionally only those on one datastore. Response: `{ datasets?: VersionedDataset[], next_page_token? }`. */
  listDatasets: endpoint({
    method: 'GET',
    path: '/datasets/list',
    request: Type.Object({ datastore: opt(Type.String()), ...Page }),
  }),

  // ---- versions ----

  /**
   * Takes a version: lists the files, hashes those the stat cache does not know (bounded
   * concurrency), writes the manifest object and records the version. Identical files give the
   * identical, existing version (`reused`). `pin` also copies the contents into Railyard's object
   * store, so reads never depend on the datastore again (pinning an existing version is allowed).
   * `rehash` reads and hashes every file instead of trusting the stat cache, whose entry for a file
   * is stale when its bytes changed but its size and change marker did not (a copy that kept the
   * file's time); a pinned snapshot corrects such an entry by itself when it reads the file.
   *
   * With `stream` (the default) the response is `application/x-ndjson`: SnapshotEvent lines while it
   * works, then one with phase `done` and the version, or phase `failed` and an error (nothing is
   * stored then). Errors found before the work starts (unknown dataset, unreachable endpoint,
   * rejected credentials, empty folder) are ordinary JSON error responses. With `stream: false` the
   * response is `{ version: DatasetVersion, reused: boolean }` or an error response.
   */
  snapshotDataset: endpoint({
    method: 'POST',
    path: '/datasets/snapshot',
    request: Type.Object({
      ...Name,
      pin: opt(Type.Boolean()),
      rehash: opt(Type.Boolean()),
      message: opt(Type.String()),
      tags: opt(KeyValueList),
      stream: opt(Type.Boolean()),
    }),
  }),
  /** Response: `{ version: DatasetVersion }`. */
  getDatasetVersion: endpoint({
    method: 'GET',
    path: '/datasets/versions/get',
    request: Type.Object({ ...VersionRef }),
  }),
  /** Newest first. Response: `{ versions?: DatasetVersion[], next_page_token? }`. */
  listDatasetVersions: endpoint({
    method: 'GET',
    path: '/datasets/versions/list',
    request: Type.Object({ ...Name, ...Page }),
  }),
  /**
   * Files added, removed and modified (same path, different content) from `from` to `to`, in path
   * order, at most `max_results` entries per page, with a summary over the whole diff.
   * Response: DatasetDiff.
   */
  diffDatasetVersions: endpoint({
    method: 'GET',
    path: '/datasets/versions/diff',
    request: Type.Object({ ...Name, from: Type.String(), to: Type.String(), ...Page }),
  }),
  /**
   * One page of a version's files in path order, optionally only paths starting with `prefix`.
   * Response: `{ files?: DatasetFile[], next_page_token? }`.
   */
  listDatasetFiles: endpoint({
    method: 'GET',
    path: '/datasets/versions/files',
    request: Type.Object({ ...VersionRef, prefix: opt(Type.String()), ...Page }),
  }),
  /**
   * The whole manifest as `application/x-ndjson`, streamed as stored: the header line, then one
   * DatasetFile per line in path order. SHA-256 of the body equals the version id, so clients can
   * check it. Headers `x-railyard-version-id` and `x-railyard-file-count` come first.
   */
  streamDatasetFiles: endpoint({
    method: 'GET',
    path: '/datasets/versions/files/stream',
    request: Type.Object({ ...VersionRef }),
  }),
  /**
   * One file's bytes (`application/octet-stream`, with `content-length` and `x-railyard-oid`).
   * Pinned versions read from the object store; others from the datastore, checked first (size and
   * marker, re-hashed when the marker moved) and hashed while sent: a changed or missing file is
   * RESOURCE_CONFLICT naming it, and a change detected mid-stream aborts the response before its
   * last bytes, so a complete-looking wrong file is never delivered.
   */
  readDatasetFile: endpoint({
    method: 'GET',
    path: '/datasets/versions/file',
    request: Type.Object({ ...VersionRef, path: Type.String() }),
  }),
  /**
   * Many files' bytes in one response, in path order (for materializing a version): every file of
   * the version, or only those after `after` (a path; for resuming a cut stream), starting with
   * `prefix`, and, when `paths` is given (at most `readFilesMax`), only those paths. Each file is
   * verified as `readDatasetFile` verifies it: pinned versions read from the object store, others
   * from the datastore, and every byte sent is hashed against the version's content id.
   *
   * The body (`application/x-railyard-files`, READ_FILES_CONTENT_TYPE) is a sequence of frames:
   *
   *     {"path":"a.csv","size":12,"oid":"sha256:…"}\n  followed by exactly `size` bytes
   *     {"path":"b.csv","size":7,"oid":"sha256:…","error":{"error_code":…,"message":…}}\n  (no bytes)
   *     …
   *     {"end":true,"files":N}\n
   *
   * A file that cannot be delivered as recorded (changed, grew, vanished since an unpinned version
   * was taken; a pinned object missing or damaged; a requested path not in the version) is an
   * `error` line naming it, with no bytes, and the stream goes on with the next file. A file found
   * changed after its bytes started (a large file rewritten while it streams) has its remaining
   * bytes sent as zeros, so the framing holds, and is followed at once by an `error` line for the
   * same path: the bytes just sent are void (they also fail the client's hash check). The trailer
   * counts the files reported (delivered or refused); a body without it was cut short, and may be
   * resumed with `after` = the last path read completely. Errors found before the first byte
   * (unknown dataset or version, bad input) are ordinary JSON error responses.
   */
  readDatasetFiles: endpoint({
    method: 'POST',
    path: '/datasets/versions/files/read',
    request: Type.Object({
      ...VersionRef,
      prefix: opt(Type.String()),
      after: opt(Type.String()),
      paths: opt(Type.Array(Type.String())),
    }),
  }),
  /**
   * Checks that a version's files are still as recorded: by size and change marker, or with `deep`
   * by re-hashing every file. Pinned versions check their stored objects. Response: VerifyResult.
   */
  verifyDatasetVersion: endpoint({
    method: 'POST',
    path: '/datasets/versions/verify',
    request: Type.Object({ ...VersionRef, deep: opt(Type.Boolean()) }),
  }),

  // ---- freezing within an experiment ----

  /**
   * The version `dataset` is frozen at for the experiment. On first use it freezes one: `version`
   * when given, else the newest existing version with `reuse_latest`, else a fresh snapshot. Two
   * parallel first uses freeze one version. With `run_id` the version is also logged as the run's
   * input (MLflow log-inputs: name, digest = short_id, source_type `railyard`, source JSON
   * `{datastore, uri, dataset, version_id}`; `context` becomes the `mlflow.data.context` tag).
   * Response: ResolveDatasetResponse.
   */
  resolveDataset: endpoint({
    method: 'POST',
    path: '/datasets/resolve',
    request: Type.Object({
      experiment_id: Type.String(),
      dataset: Type.String(),
      run_id: opt(Type.String()),
      version: opt(Type.String()),
      reuse_latest: opt(Type.Boolean()),
      pin: opt(Type.Boolean()),
      context: opt(Type.String()),
    }),
  }),
  /**
   * Moves the experiment's freeze of `dataset` (of every frozen dataset when absent) to `version`,
   * or to a fresh snapshot; recorded in the freeze history with who (the request's user) and
   * `reason`. Response: `{ freezes: DatasetFreeze[] }` (`{}` when nothing was frozen to refresh).
   */
  refreshDatasetFreeze: endpoint({
    method: 'POST',
    path: '/datasets/refresh',
    request: Type.Object({
      experiment_id: Type.String(),
      dataset: opt(Type.String()),
      version: opt(Type.String()),
      reason: opt(Type.String()),
    }),
  }),
  /**
   * Current freezes: of an experiment (`experiment_id`), of a dataset in every active experiment
   * (`dataset` alone), or of one dataset in one experiment (both); at least one must be given.
   * Response: `{ freezes?: DatasetFreeze[] }`, each with its experiment's name.
   */
  listDatasetFreezes: endpoint({
    method: 'GET',
    path: '/datasets/freezes',
    request: Type.Object({ experiment_id: opt(Type.String()), dataset: opt(Type.String()) }),
  }),
  /** Freezes and refreshes, newest first. Response: `{ events?: FreezeEvent[], next_page_token? }`. */
  getDatasetFreezeHistory: endpoint({
    method: 'GET',
    path: '/datasets/freezes/history',
    request: Type.Object({ experiment_id: Type.String(), dataset: opt(Type.String()), ...Page }),
  }),
} as const

export type DatasetEndpoints = typeof datasetEndpoints
export type DatasetRequestOf<K extends keyof DatasetEndpoints> = Static<DatasetEndpoints[K]['request']>

export interface DatastoreResponse {
  datastore: Datastore
}
export interface ListDatastoresResponse {
  datastores?: Datastore[]
  next_page_token?: string
}
export interface DatasetResponse {
  dataset: VersionedDataset
}
export interface ListDatasetsResponse {
  datasets?: VersionedDataset[]
  next_page_token?: string
}
export interface SnapshotResponse {
  version: DatasetVersion
  reused: boolean
}
export interface DatasetVersionResponse {
  version: DatasetVersion
}
export interface ListDatasetVersionsResponse {
  versions?: DatasetVersion[]
  next_page_token?: string
}
export interface ListDatasetFilesResponse {
  files?: DatasetFile[]
  next_page_token?: string
}
export interface RefreshDatasetFreezeResponse {
  freezes: DatasetFreeze[]
}
export interface ListDatasetFreezesResponse {
  freezes?: DatasetFreeze[]
}
export interface FreezeHistoryResponse {
  events?: FreezeEvent[]
  next_page_token?: string
}

/** Content type of the snapshot progress stream and the manifest stream. */
export const NDJSON = 'application/x-ndjson'
/** First line of every manifest object. */
export const DATASET_MANIFEST_HEADER = '{"type":"railyard.dataset-manifest","version":1}'

/** Content type of `readDatasetFiles`: framed file contents (see that endpoint). */
export const READ_FILES_CONTENT_TYPE = 'application/x-railyard-files'

/** One frame header of a `readDatasetFiles` body: a file whose `size` bytes follow, or with `error` a file not delivered. */
export interface ReadFilesFrame {
  path: string
  size?: number
  oid?: string
  error?: { error_code: string; message: string }
}

/** The last line of a complete `readDatasetFiles` body: `files` frames were sent (each path once). */
export interface ReadFilesTrailer {
  end: true
  files: number
}
