import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { railyardRegistry, type RailyardRegistryRequestOf as RR } from '@railyard/api'
import { sendFile } from '../http/send-file.js'
import { TREE_ARTIFACTS_PREFIX, type ModelFilesService } from '../services/registry-files.js'
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
