import fs from 'node:fs'
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { InvalidParameterError, NotFoundError } from '@railyard/api'
import type { Transport } from './http.js'
import type { FileInfo } from './responses.js'
import type { RunsClient } from './runs-client.js'
import { ARTIFACTS_PREFIX, cleanArtifactPath, encodePath, joinArtifactPath, proxiedRoot } from './artifact-paths.js'
import { queryString } from './http.js'

// Files moved at once by uploadDir and directory downloads: enough to hide latency, few enough for 2 cores.
const CONCURRENCY = 4

/**
 * Run artifacts through the server's proxy (`/api/2.0/mlflow-artifacts/artifacts/...`). Bytes are
 * streamed from and to disk, never held in memory whole. Paths inside a run are relative, `/`-separated
 * and may not contain `..` (InvalidParameterError). An unknown run is NotFoundError; a run whose
 * artifact_uri is not `mlflow-artifacts:` is InvalidParameterError.
 */
export class ArtifactsClient {
  // artifact_uri never changes for a run, so one lookup per run is enough.
  private readonly roots = new Map<string, Promise<string>>()

  constructor(
    private readonly transport: Transport,
    private readonly runs: RunsClient,
  ) {}

  /**
   * Uploads one file as `<artifactPath>/<basename of localPath>` (MLflow's `log_artifact`), streaming
   * it from disk with a PUT; retried whole on network errors and 5xx. Returns the path inside the run.
   * A folder is InvalidParameterError (`uploadDir` takes folders); a file that cannot be read throws
   * the file system's error (ENOENT, EACCES) before anything is sent.
   */
  async upload(runId: string, localPath: string, artifactPath?: string): Promise<string> {
    const dest = joinArtifactPath(cleanArtifactPath(artifactPath), path.basename(localPath))
    if ((await fsp.stat(localPath)).isDirectory()) {
      throw new InvalidParameterError(`'${localPath}' is a folder: upload one file, or the whole folder with uploadDir (run.logArtifacts)`)
    }
    await this.putFile(runId, localPath, dest)
    return dest
  }

  /**
   * Uploads every file below `localDir` under `artifactPath` (MLflow's `log_artifacts`), keeping the
   * tree. Returns the uploaded paths inside the run, sorted.
   */
  async uploadDir(runId: string, localDir: string, artifactPath?: string): Promise<string[]> {
    const base = cleanArtifactPath(artifactPath)
    const files = (await walk(localDir)).sort()
    const dests = files.map((rel) => joinArtifactPath(base, rel.split(path.sep).join('/')))
    await inPool(files.length, CONCURRENCY, (i) => this.putFile(runId, path.join(localDir, files[i]), dests[i]))
    return dests
  }

  /**
   * The direct children of `artifactPath` (default: the root), with paths relative to the run's
   * artifact root, as MLflow's `list_artifacts` returns them. Sizes are in bytes.
   */
  async list(runId: string, artifactPath?: string): Promise<FileInfo[]> {
    const dir = cleanArtifactPath(artifactPath)
    const root = await this.root(runId)
    const res = await this.transport.json<{ files?: FileInfo[] }>(
      'GET',
      ARTIFACTS_PREFIX + queryString({ path: joinArtifactPath(root, dir) }),
    )
    return (res.files ?? []).map((f) => ({
      path: joinArtifactPath(dir, f.path.split('/').pop() ?? f.path),
      is_dir: f.is_dir,
      ...(f.file_size !== undefined ? { file_size: Number(f.file_size) } : {}),
    }))
  }

  /**
   * Downloads a file or a whole directory (default: the run's root) into `dstDir` (default: a new
   * temporary directory) and returns the local path of what was downloaded. Each file is written to a
   * temporary name and renamed, so a failed download never leaves a partial file under the real name.
   * NotFoundError if the path does not exist.
   */
  async download(runId: string, artifactPath?: string, dstDir?: string): Promise<string> {
    const src = cleanArtifactPath(artifactPath)
    const dst = dstDir ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'railyard-artifacts-')))
    const isDir = src === '' || (await this.isDir(runId, src))
    const local = path.join(dst, ...src.split('/').filter(Boolean))
    if (!isDir) {
      await this.getFile(runId, src, local)
      return local
    }
    const files: string[] = []
    const pending = [src]
    while (pending.length) {
      for (const entry of await this.list(runId, pending.pop())) (entry.is_dir ? pending : files).push(entry.path)
    }
    await fsp.mkdir(local, { recursive: true })
    await inPool(files.length, CONCURRENCY, (i) => this.getFile(runId, files[i], path.join(dst, ...files[i].split('/'))))
    return local
  }

  private async isDir(runId: string, p: string): Promise<boolean> {
    const parent = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : ''
    const entry = (await this.list(runId, parent)).find((f) => f.path === p)
    if (!entry) throw new NotFoundError(`No artifact '${p}' in run ${runId}`)
    return entry.is_dir
  }

  private async putFile(runId: string, localPath: string, dest: string): Promise<void> {
    const { size } = await fsp.stat(localPath)
    // A file that cannot be opened would fail inside fetch, where it looks like a network error and
    // is retried; opening it here reports the real reason at once.
    await (await fsp.open(localPath, 'r')).close()
    const url = `${ARTIFACTS_PREFIX}/${encodePath(joinArtifactPath(await this.root(runId), dest))}`
    const res = await this.transport.send({
      method: 'PUT',
      path: url,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body: () => Readable.toWeb(fs.createReadStream(localPath)) as ReadableStream,
      duplex: true,
      timeoutMs: 0,
    })
    await res.body?.cancel()
  }

  private async getFile(runId: string, src: string, localPath: string): Promise<void> {
    const url = `${ARTIFACTS_PREFIX}/${encodePath(joinArtifactPath(await this.root(runId), src))}`
    const res = await this.transport.send({ method: 'GET', path: url, timeoutMs: 0 })
    await fsp.mkdir(path.dirname(localPath), { recursive: true })
    const tmp = `${localPath}.${process.pid}.${Math.random().toString(36).slice(2)}.part`
    try {
      await pipeline(res.body ? Readable.fromWeb(res.body as never) : Readable.from([]), fs.createWriteStream(tmp))
      await fsp.rename(tmp, localPath)
    } catch (err) {
      await fsp.rm(tmp, { force: true })
      throw err
    }
  }

  private root(runId: string): Promise<string> {
    let root = this.roots.get(runId)
    if (!root) {
      root = this.runs.get(runId).then((run) => proxiedRoot(run.info.artifact_uri))
      root.catch(() => this.roots.delete(runId))
      this.roots.set(runId, root)
    }
    return root
  }
}

/** Files below `dir`, as paths relative to it (symlinks to files are followed, as MLflow does). */
async function walk(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = []
  for (const entry of await fsp.readdir(path.join(dir, rel), { withFileTypes: true })) {
    const p = path.join(rel, entry.name)
    if (entry.isDirectory()) out.push(...(await walk(dir, p)))
    else if (entry.isFile() || (entry.isSymbolicLink() && (await fsp.stat(path.join(dir, p))).isFile())) out.push(p)
  }
  return out
}

/** Runs `task(0..count-1)` with at most `limit` at a time; the first failure rejects. */
async function inPool(count: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < count) await task(next++)
  }
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker))
}
