import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Readable } from 'node:stream'
import { ApiError, InvalidParameterError, tracking, type RequestOf } from '@railyard/api'
import type { ArtifactsService } from '../services/artifacts.js'
import { MODEL_TREES_FOLDER, type ModelFilesService } from '../services/registry-files.js'
import { mountEndpoints } from '../http/mlflow-routes.js'
import { sendFile } from '../http/send-file.js'
import { compact } from '../services/wire.js'

/** MLflow's artifact proxy (`mlflow-artifacts`), under the API prefix and the UI's ajax-api one. */
export const ARTIFACT_PROXY_PREFIXES = ['/api/2.0/mlflow-artifacts/artifacts', '/ajax-api/2.0/mlflow-artifacts/artifacts']

const MULTIPART_PREFIXES = ['/api/2.0/mlflow-artifacts/mpu', '/ajax-api/2.0/mlflow-artifacts/mpu']

type PathQuery = { path?: unknown }
type RunFileQuery = { run_id?: string; run_uuid?: string; path?: unknown }

/**
 * The artifact endpoints: the proxy (list, download, upload, delete), the tracking API's
 * `artifacts/list`, and the UI's `get-artifact`. Register with `app.register(...)`: the plugin is
 * encapsulated because it replaces the body parsers with one that leaves the body unread, so an
 * upload streams from the socket to the store (whatever its Content-Type: MLflow sends the file's
 * guessed type, e.g. application/json for .json files) without touching parsing elsewhere.
 * Paths under `_railyard_trees/` are model versions' files (what `get-download-uri` hands out),
 * read from `modelFiles` and never written.
 */
export function artifactRoutes(artifacts: ArtifactsService, modelFiles: ModelFilesService) {
  return async (app: FastifyInstance): Promise<void> => {
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', (_req, payload, done) => done(null, payload))

    mountEndpoints(app, tracking, {
      listArtifacts: (r: RequestOf<'listArtifacts'>) => artifacts.listRunArtifacts(r),
    })
    app.get('/get-artifact', async (req, reply) =>
      sendFile(reply, await artifacts.downloadRunArtifact(req.query as RunFileQuery)))

    // MLflow clients try multipart uploads for big files when MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD is
    // set, and fall back to one streamed PUT only on exactly this answer. Our PUT already streams.
    for (const prefix of MULTIPART_PREFIXES) {
      app.post(`${prefix}/*`, async () => {
        throw new ApiError('NOT_IMPLEMENTED', 'Multipart upload is not supported for the current artifact repository')
      })
    }

    for (const prefix of ARTIFACT_PROXY_PREFIXES) {
      app.get(prefix, async (req) => {
        const path = (req.query as PathQuery).path
        const tree = inModelTrees(path)
        return compact(tree === undefined ? await artifacts.list(path) : await modelFiles.listTree(tree))
      })
      app.get(`${prefix}/*`, async (req, reply) => {
        const tree = inModelTrees(wildcard(req))
        return sendFile(reply, tree === undefined ? await artifacts.download(wildcard(req)) : await modelFiles.openTreeFile(tree))
      })
      app.put(`${prefix}/*`, async (req) => {
        refuseModelTreeWrite(wildcard(req))
        await artifacts.upload(wildcard(req), requestBody(req))
        return {}
      })
      app.delete(`${prefix}/*`, async (req) => {
        refuseModelTreeWrite(wildcard(req))
        await artifacts.delete(wildcard(req))
        return {}
      })
    }
  }
}

/** The file path after the prefix, URL-decoded once by the router. */
function wildcard(req: FastifyRequest): string {
  return (req.params as { '*': string })['*']
}

/** The unread request body; a request without one (an empty file) has nothing to read either. */
function requestBody(req: FastifyRequest): Readable {
  return (req.body as Readable | undefined) ?? req.raw
}

/** `<tree hex>/<path>` for a path under the model trees folder; undefined for any other path. */
function inModelTrees(path: unknown): string | undefined {
  if (typeof path !== 'string') return undefined
  const rest = path.replace(/^\/+/, '')
  if (rest === MODEL_TREES_FOLDER) return ''
  return rest.startsWith(`${MODEL_TREES_FOLDER}/`) ? rest.slice(MODEL_TREES_FOLDER.length + 1) : undefined
}

function refuseModelTreeWrite(path: string): void {
  if (inModelTrees(path) !== undefined) {
    throw new InvalidParameterError(`'${MODEL_TREES_FOLDER}/' holds registered model versions' files, which cannot be written or deleted`)
  }
}
