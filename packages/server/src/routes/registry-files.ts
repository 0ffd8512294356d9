import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { railyardRegistry, type RailyardRegistryRequestOf as RR } from '@railyard/api'
import { TREE_ARTIFACTS_PREFIX, type FileDownload, type ModelFilesService } from '../services/registry-files.js'
import { compact } from '../services/wire.js'

type FileQuery = RR<'getModelVersionFile'>

/**
 * Raw file downloads of model versions: Railyard's `model-versions/file`, the MLflow UI's
 * `/model-versions/get-artifact`, and the artifact-proxy-shaped tree routes that MLflow clients
 * reach through the URI `get-download-uri` returns.
 */
export function registryFileRoutes(app: FastifyInstance, files: ModelFilesService): void {
  const schema = { querystring: railyardRegistry.getModelVersionFile.request }
  const download = async (req: FastifyRequest, reply: FastifyReply) => {
    const q = req.query as FileQuery
    return sendFile(reply, await files.openFile(q.name, q.version, q.path))
  }
  app.get(`/api/2.0/railyard${railyardRegistry.getModelVersionFile.path}`, { schema }, download)
  app.get('/model-versions/get-artifact', { schema }, download)

  const trees = `${TREE_ARTIFACTS_PREFIX}/mlflow-artifacts/artifacts`
  app.get(trees, async (req) => compact(await files.listTree((req.query as { path?: unknown }).path)))
  app.get(`${trees}/*`, async (req, reply) => sendFile(reply, await files.openTreeFile((req.params as { '*': string })['*'])))
}

function sendFile(reply: FastifyReply, file: FileDownload): FastifyReply {
  return (
    reply
      .header('content-type', file.contentType)
      // The size is known from the tree: a transfer cut short by a failed hash check is visibly incomplete.
      .header('content-length', String(file.size))
      .header('content-disposition', attachment(file.fileName))
      // Model files are user content: never let a browser sniff or run them as a page of this origin.
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .send(file.stream)
  )
}

/** RFC 6266: a plain ASCII fallback name and the exact UTF-8 name. */
function attachment(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_')
  const exact = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`
}
