import { createHash } from 'node:crypto'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ApiError, type ModelFile, type ModelManifest, type Predictor } from '@railyard/api'
import type { RailyardClient } from '../client.js'
import { defaultClient } from '../fluent.js'
import { readManifest } from './manifest.js'
import { loadPredictor } from './flavors.js'
import { ModelCache, defaultModelCacheDir, hashKey } from './model-cache.js'
import { parseModelLocation } from './model-uri.js'
import { registryOf } from './registry-client.js'

// Files downloaded at once: enough to hide latency, few enough for 2 cores.
const CONCURRENCY = 4

export interface LoadModelOptions {
  /** The server to download from. Default: the SDK's default client (RAILYARD_TRACKING_URI …). */
  client?: RailyardClient
  /** The download cache. Default: RAILYARD_MODEL_CACHE, else ~/.cache/railyard/models. */
  cacheDir?: string
  /**
   * Ask the server again: re-resolve `models:/NAME/VERSION` and download `runs:/` paths anew.
   * (A registered version's files are content-addressed, so a copy once verified is reused.)
   */
  refresh?: boolean
  /**
   * How error messages name the model, e.g. `tweets version 3` (`Cannot load tweets version 3: …`).
   * Default: `the model at <uri>`, or for a local directory `the model at <dir>`. Never the
   * download cache's folder: files inside the model are named from its root.
   */
  description?: string
}

/** A model directory on this machine and where it came from. */
export interface DownloadedModel {
  /** Absolute path of the model directory (inside the cache, or the local directory itself). */
  dir: string
  manifest: ModelManifest
  /** Set for `models:/` URIs: the version the URI named when it was resolved. */
  modelVersion?: { name: string; version: string; treeOid: string }
}

/** A loaded model: a Predictor plus where its files are. */
export interface LoadedModel extends Predictor {
  /** The URI it was loaded from. */
  readonly uri: string
  readonly dir: string
  readonly modelVersion?: DownloadedModel['modelVersion']
  /** Frees what the model holds (an ONNX session); safe to call for any flavor. */
  close(): Promise<void>
}

/**
 * Loads a model for prediction from `models:/NAME/VERSION`, `models:/NAME@ALIAS`,
 * `models:/NAME/latest`, `runs:/RUN_ID/path` or a local directory, with the first flavor of its
 * manifest this process can load (railyard_js, onnx). Downloads go through a cache (see
 * `downloadModel`). NotFoundError for an unknown model, version, alias or run path
 * (ModelNotFoundError when the path holds no MLmodel); ModelLoadError when no flavor can be loaded
 * or the model's own code fails to load. Both name the model by `opts.description`, else its URI
 * (a local model by its folder), and carry `reason`, `dir` and `file` (see ModelErrorDetails).
 */
export async function loadModel(uri: string, opts: LoadModelOptions = {}): Promise<LoadedModel> {
  const model = await downloadModel(uri, opts)
  const predictor = await loadPredictor(model.dir, model.manifest, { description: opts.description ?? remoteDescription(uri) })
  return {
    uri,
    dir: model.dir,
    manifest: model.manifest,
    modelVersion: model.modelVersion,
    predict: (inputs) => predictor.predict(inputs),
    close: async () => predictor.close?.(),
  }
}

/**
 * Brings a model's files to this machine and reads its manifest, without loading it. A
 * registered version is stored under its content id (the tree id), and every file is checked
 * against its sha256 as it arrives; `models:/NAME/VERSION` and `runs:/` paths are remembered, so
 * loading them again makes no request at all. Aliases, `latest` and stages are resolved by the
 * server each time (one request), then served from the cache when that version is there.
 * Concurrent downloads of one model, in one process or several, are safe. A downloaded folder
 * without an MLmodel is a ModelNotFoundError naming the model as loadModel does.
 */
export async function downloadModel(uri: string, opts: LoadModelOptions = {}): Promise<DownloadedModel> {
  const loc = parseModelLocation(uri)
  if (loc.kind === 'local') return { dir: loc.dir, manifest: await readManifest(loc.dir, { description: opts.description }) }
  const named = { description: opts.description ?? remoteDescription(uri) }
  const client = opts.client ?? defaultClient()
  const cache = new ModelCache(opts.cacheDir ?? defaultModelCacheDir())

  if (loc.kind === 'run') {
    const key = `run-${hashKey(`${client.trackingUri}\n${loc.runId}\n${loc.path}`)}`
    const dir = await cache.ensure(
      key,
      async (scratch) => {
        const got = await client.artifacts.download(loc.runId, loc.path, scratch)
        await readManifest(got, named) // refuse to cache a path that holds no model
        return got
      },
      { refresh: opts.refresh },
    )
    return { dir, manifest: await readManifest(dir, named) }
  }

  const registry = registryOf(client)
  let name = loc.name
  let version: string
  if (loc.kind === 'version') version = loc.version
  else {
    const mv = await registry.resolve(loc.uri)
    name = mv.name
    version = mv.version
  }
  const ref = `version\n${client.trackingUri}\n${name}\n${version}`
  const known = opts.refresh ? undefined : await cache.readRef(ref)
  if (known) {
    const dir = await cache.lookup(treeKey(known))
    if (dir) return { dir, manifest: await readManifest(dir, named), modelVersion: { name, version, treeOid: known } }
  }
  const listing = await registry.files(name, version)
  const dir = await cache.ensure(treeKey(listing.tree_oid), async (scratch) => {
    const out = path.join(scratch, 'model')
    const files = listing.files ?? []
    let next = 0
    const worker = async () => {
      while (next < files.length) {
        const file = files[next++]
        await fetchVerified(file, path.join(out, ...file.path.split('/')), () => registry.openFile(name, version, file.path))
      }
    }
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, files.length) }, worker))
    await readManifest(out, named)
    return out
  })
  await cache.writeRef(ref, listing.tree_oid)
  return { dir, manifest: await readManifest(dir, named), modelVersion: { name, version, treeOid: listing.tree_oid } }
}

/** How messages name a model downloaded from the server: by its URI (a local one by its folder). */
function remoteDescription(uri: string): string | undefined {
  return parseModelLocation(uri).kind === 'local' ? undefined : `the model at ${uri}`
}

function treeKey(treeOid: string): string {
  return `tree-${treeOid.replace(/^sha256:/, '')}`
}

/** Streams one file to `dest`, hashing as it goes; a size or hash mismatch fails the download. */
async function fetchVerified(file: ModelFile, dest: string, open: () => Promise<Response>): Promise<void> {
  if (file.path.split('/').some((s) => s === '..' || s === '.' || s === '') || path.isAbsolute(file.path)) {
    throw new ApiError('INTERNAL_ERROR', `The server listed a model file with an unsafe path: '${file.path}'`)
  }
  await fsp.mkdir(path.dirname(dest), { recursive: true })
  const res = await open()
  const hash = createHash('sha256')
  let size = 0
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk)
      size += chunk.length
      done(null, chunk)
    },
  })
  await pipeline(res.body ? Readable.fromWeb(res.body as never) : Readable.from([]), meter, fs.createWriteStream(dest))
  const oid = `sha256:${hash.digest('hex')}`
  if (size !== file.size || oid !== file.oid) {
    throw new ApiError('INTERNAL_ERROR', `Model file '${file.path}' arrived corrupted: expected ${file.oid} (${file.size} bytes), got ${oid} (${size} bytes)`)
  }
}
