import type { Readable } from 'node:stream'
import { InvalidParameterError, NotFoundError, type ModelVersionFiles } from '@railyard/api'
import type { ObjectStore } from '../objects/object-store.js'
import type { TreeEntry } from '../objects/tree.js'
import type { VersionRow } from '../store/model-versions-repo.js'
import { artifactFilePath, artifactFolderPath, guessContentType } from './artifact-paths.js'
import type { ArtifactFile } from './artifacts.js'
import type { ModelVersionsService } from './registry-versions.js'

/** One file to send: its verified bytes and what to tell the client about them. */
export interface FileDownload {
  stream: Readable
  fileName: string
  contentType: string
  size: number
}

/**
 * Where MLflow clients download trees from: an `http(s)://…/mlflow-artifacts/artifacts/<tree>` URI
 * is read by MLflow's HttpArtifactRepository, which lists with `GET <base>/mlflow-artifacts/artifacts?path=`
 * and downloads with `GET <uri>/<file>`; routes/registry-files.ts serves both under this prefix.
 */
export const TREE_ARTIFACTS_PREFIX = '/api/2.0/railyard/trees'

/**
 * The artifact-proxy folder under which model version trees are read (`mlflow-artifacts:/` +
 * this + `/<tree hex>/<path>`): read-only, and not a folder runs can write (experiment ids are digits).
 */
export const MODEL_TREES_FOLDER = '_railyard_trees'

/**
 * The files of model versions, read from their immutable copies in the object store: listing,
 * downloading (every byte checked against its content id), and the download URI MLflow clients use.
 */
export class ModelFilesService {
  constructor(
    private readonly versions: ModelVersionsService,
    private readonly objects: ObjectStore,
  ) {}

  /** The version's files: `{tree_oid, files[{path, oid, size}]}`. */
  async files(name: string, version: string | number): Promise<ModelVersionFiles> {
    const tree = await this.treeOf(await this.versions.row(name, version))
    const { entries } = await this.objects.getTree(tree)
    return { tree_oid: tree, files: entries }
  }

  /** One file of the version; RESOURCE_DOES_NOT_EXIST when the version has no such file. */
  async openFile(name: string, version: string | number, path: unknown): Promise<FileDownload> {
    const filePath = artifactFilePath(path)
    const row = await this.versions.row(name, version)
    const { entries } = await this.objects.getTree(await this.treeOf(row))
    const entry = entries.find((e) => e.path === filePath)
    if (!entry) throw new NotFoundError(`Model version ${row.name}/${row.version} has no file '${filePath}'.`)
    return this.open(entry)
  }

  /**
   * Where a client downloads the version's files from: once READY, the tree as an
   * `mlflow-artifacts:/` URI (`_railyard_trees/<hex>`), which MLflow clients resolve against their
   * own tracking URI, keeping its scheme, path prefix and credentials, as with MLflow's own server;
   * before that, the original source (as MLflow answers).
   */
  async downloadUri(name: string, version: string | number): Promise<{ artifact_uri: string }> {
    const row = await this.versions.row(name, version)
    if (row.status !== 'READY' || !row.storage_location) return { artifact_uri: row.source }
    return { artifact_uri: `mlflow-artifacts:/${MODEL_TREES_FOLDER}/${hexOf(row.storage_location)}` }
  }

  /** The files and folders directly inside `<tree hex>/<folder>`, in MLflow's artifact-listing shape. */
  async listTree(path: unknown): Promise<{ files: ArtifactFile[] }> {
    const [hex, ...rest] = artifactFolderPath(path).split('/')
    const folder = rest.join('/')
    const { entries } = await this.objects.getTree(oidOf(hex))
    const prefix = folder ? `${folder}/` : ''
    const out = new Map<string, ArtifactFile>()
    for (const e of entries) {
      if (!e.path.startsWith(prefix)) continue
      const rel = e.path.slice(prefix.length)
      const slash = rel.indexOf('/')
      if (slash === -1) out.set(rel, { path: rel, is_dir: false, file_size: e.size })
      else out.set(`${rel.slice(0, slash)}/`, { path: rel.slice(0, slash), is_dir: true })
    }
    return { files: [...out.values()] }
  }

  /** The file `<tree hex>/<path>`. */
  async openTreeFile(path: unknown): Promise<FileDownload> {
    const full = artifactFilePath(path)
    const slash = full.indexOf('/')
    if (slash === -1) throw new InvalidParameterError(`Invalid path '${full}': expected <tree id>/<file path>.`)
    const { entries } = await this.objects.getTree(oidOf(full.slice(0, slash)))
    const filePath = full.slice(slash + 1)
    const entry = entries.find((e) => e.path === filePath)
    if (!entry) throw new NotFoundError(`No file '${filePath}' in tree sha256:${full.slice(0, slash)}.`)
    return this.open(entry)
  }

  private async open(entry: TreeEntry): Promise<FileDownload> {
    const fileName = entry.path.slice(entry.path.lastIndexOf('/') + 1)
    return { stream: await this.objects.get(entry.oid), fileName, contentType: guessContentType(fileName), size: entry.size }
  }

  private async treeOf(row: VersionRow): Promise<string> {
    if (row.status !== 'READY' || !row.storage_location) {
      throw new InvalidParameterError(
        `Model version ${row.name}/${row.version} is ${row.status}: its files are not in registry storage.`,
      )
    }
    return row.storage_location
  }
}

function hexOf(oid: string): string {
  return oid.slice('sha256:'.length)
}

function oidOf(hex: string): string {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new InvalidParameterError(`Invalid tree id '${hex}': expected 64 lowercase hex digits.`)
  return `sha256:${hex}`
}
