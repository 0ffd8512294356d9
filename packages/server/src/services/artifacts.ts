import type { Readable } from 'node:stream'
import { ApiError, InvalidParameterError, NotFoundError, type RequestOf } from '@railyard/api'
import { BlobKeyError, BlobNotFoundError, type BlobStore } from '../blob/blob.js'
import { compareKeys } from '../blob/keys.js'
import type { RunsService } from './runs.js'
import {
  artifactFilePath,
  artifactFolderPath,
  guessContentType,
  joinArtifactPath,
  proxiedFolder,
} from './artifact-paths.js'

/** One entry of an artifact listing, in MLflow's shape. Folders have no size. */
export interface ArtifactFile {
  /** Relative to the listed folder (proxied listing) or to the run's artifact root (run listing). */
  path: string
  is_dir: boolean
  /** Bytes; absent for folders. */
  file_size?: number
}

/** A file being downloaded: its bytes as a stream and what to tell the client about them. */
export interface ArtifactDownload {
  stream: Readable
  /** The last path segment, for Content-Disposition. */
  fileName: string
  /** Guessed from the file name the way MLflow does. */
  contentType: string
}

/**
 * Artifacts kept in one blob store (the server's artifacts destination) and served by proxy.
 * Paths are relative to that store's root: `<experiment>/<run>/artifacts/<file>` for runs, which
 * is the path of the run's `mlflow-artifacts:/…` URI. Every path is checked first: anything that
 * could escape the root is INVALID_PARAMETER_VALUE, and nothing is read or written for it.
 */
export class ArtifactsService {
  constructor(
    /** The artifacts destination, shared with services that store files next to runs' artifacts. */
    readonly blobs: BlobStore,
    private readonly runs: RunsService,
  ) {}

  /**
   * Writes `body` to `path`, replacing any file there, streaming it straight to the store (the
   * whole file is never held in memory); readers see the old file or the new one, never a part.
   * INVALID_PARAMETER_VALUE for a bad path or one that names a folder; BAD_REQUEST when the
   * client stops sending before the end.
   */
  async upload(path: unknown, body: Readable | Buffer): Promise<void> {
    const key = notInternal(artifactFilePath(path))
    try {
      await this.blobs.put(key, body)
    } catch (err) {
      if (!Buffer.isBuffer(body) && body.errored && !(err instanceof BlobKeyError)) {
        throw new ApiError('BAD_REQUEST', `The upload of '${key}' ended before the whole file arrived; nothing was stored.`)
      }
      throw translate(err)
    }
  }

  /** The file at `path` as a stream; RESOURCE_DOES_NOT_EXIST when there is none (or it is a folder). */
  async download(path: unknown): Promise<ArtifactDownload> {
    return this.open(notInternal(artifactFilePath(path)))
  }

  /** The files and folders directly inside the folder `path` ('' or absent: the root), sorted by path. */
  async list(path?: unknown): Promise<{ files: ArtifactFile[] }> {
    const folder = artifactFolderPath(path)
    if (folder !== '') notInternal(folder)
    const files = await this.entriesOf(folder)
    return { files: folder === '' ? files.filter((f) => !INTERNAL_ROOTS.has(f.path)) : files }
  }

  /**
   * Deletes the file at `path`, or the folder at `path` with everything in it, as MLflow does.
   * Deleting what does not exist is not an error (MLflow answers {} too).
   */
  async delete(path: unknown): Promise<void> {
    const key = notInternal(artifactFilePath(path))
    await this.blobs.delete(key).catch(rethrowTranslated)
    for await (const item of this.blobs.list(`${key}/`)) await this.blobs.delete(item.key)
  }

  /**
   * The tracking API's `artifacts/list`: what is in the run's artifact folder `path`, with paths
   * relative to the run's artifact root, and that root as `root_uri`.
   */
  async listRunArtifacts(req: RequestOf<'listArtifacts'>): Promise<{ root_uri: string; files: ArtifactFile[] }> {
    artifactFolderPath(req.path)
    const run = await this.runs.get(req)
    return { root_uri: run.info.artifact_uri, files: await this.listAt(run.info.artifact_uri, req.path) }
  }

  /** The UI's `get-artifact?run_uuid=&path=`: a file of a run, `path` relative to its artifact root. */
  async downloadRunArtifact(query: { run_id?: string; run_uuid?: string; path?: unknown }): Promise<ArtifactDownload> {
    artifactFilePath(query.path)
    const run = await this.runs.get({ run_id: query.run_id, run_uuid: query.run_uuid })
    return this.downloadAt(run.info.artifact_uri, query.path)
  }

  /**
   * The files and folders directly inside `relativePath` under an `mlflow-artifacts:` location
   * (a run's artifact_uri, a model version's source), with paths relative to that location.
   */
  async listAt(uri: string, relativePath?: unknown): Promise<ArtifactFile[]> {
    const relative = artifactFolderPath(relativePath)
    const entries = await this.entriesOf(joinArtifactPath(folderOf(uri), relative))
    return entries.map((e) => ({ ...e, path: joinArtifactPath(relative, e.path) }))
  }

  /** The file `relativePath` under an `mlflow-artifacts:` location. */
  async downloadAt(uri: string, relativePath: unknown): Promise<ArtifactDownload> {
    return this.open(this.resolve(uri, artifactFilePath(relativePath)))
  }

  /**
   * The store key of `relativePath` under an `mlflow-artifacts:` location, for services that read
   * or write `blobs` themselves. INVALID_PARAMETER_VALUE for other schemes and for escaping paths.
   */
  resolve(uri: string, relativePath?: unknown): string {
    return joinArtifactPath(folderOf(uri), artifactFolderPath(relativePath))
  }

  private async open(key: string): Promise<ArtifactDownload> {
    const stream = await this.blobs.get(key).catch(rethrowTranslated)
    const fileName = key.slice(key.lastIndexOf('/') + 1)
    return { stream, fileName, contentType: guessContentType(fileName) }
  }

  /**
   * The direct children of a folder, derived from the keys below it: a key with a further `/`
   * makes a folder entry. Sorted by name in code-point order, as MLflow sorts.
   */
  private async entriesOf(folder: string): Promise<ArtifactFile[]> {
    const prefix = folder ? `${folder}/` : ''
    // Keyed with a trailing '/' for folders: object stores can hold a file and a folder of one name.
    const entries = new Map<string, ArtifactFile>()
    for await (const item of this.blobs.list(prefix)) {
      const rest = item.key.slice(prefix.length)
      const slash = rest.indexOf('/')
      if (slash === -1) entries.set(rest, { path: rest, is_dir: false, file_size: item.size })
      else entries.set(`${rest.slice(0, slash)}/`, { path: rest.slice(0, slash), is_dir: true })
    }
    return [...entries.values()].sort((a, b) => compareKeys(a.path, b.path))
  }
}

/** The artifact-root folder of a location; only `mlflow-artifacts:` locations are served here. */
function folderOf(uri: string): string {
  const folder = proxiedFolder(uri)
  if (folder === undefined) {
    throw new InvalidParameterError(
      `Artifacts at '${uri}' are not served by this server: it serves mlflow-artifacts: locations, ` +
        'and clients reach other locations directly.',
    )
  }
  return folder
}

function translate(err: unknown): unknown {
  if (err instanceof BlobNotFoundError) return new NotFoundError(`No artifact at '${err.key}'.`)
  if (err instanceof BlobKeyError) return new InvalidParameterError(err.message)
  return err
}

function rethrowTranslated(err: unknown): never {
  throw translate(err)
}

/**
 * Top-level folders of the artifacts destination that hold Railyard's own storage (the registry's
 * and datasets' content-addressed objects and their uploads in progress). The proxy never exposes them:
 * deleting or overwriting them would change registered model versions and pinned data.
 */
const INTERNAL_ROOTS = new Set(['objects'])

function notInternal(key: string): string {
  const root = key.split('/', 1)[0]
  if (INTERNAL_ROOTS.has(root)) {
    throw new InvalidParameterError(`Invalid path '${key}': '${root}/' is reserved for Railyard's internal storage.`)
  }
  return key
}
