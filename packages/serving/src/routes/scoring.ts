import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ModelSlot } from '../model-slot.js'
import { predictionError } from '../predict-errors.js'
import { badRequest, inputsOfInvocation, inputsOfPredictList } from '../scoring-input.js'
import { requireBody } from '../json-body.js'
import { installCsvBody } from '../csv-body.js'
import { CsvTable } from '../csv/table.js'
import type { ServedVersion } from '../served-version.js'

/** Response headers naming the version that answered. */
export const MODEL_NAME_HEADER = 'x-railyard-model-name'
export const MODEL_VERSION_HEADER = 'x-railyard-model-version'

/**
 * `POST /invocations` (MLflow's scoring protocol in JSON, or a `text/csv` table; answers
 * `{"predictions": [...]}`) and `POST /predict` (a plain JSON list in, a plain JSON list out).
 * Each request runs wholly on the version that was current when it arrived, named in the
 * response headers.
 */
export function scoringRoutes(slot: ModelSlot) {
  return async (app: FastifyInstance) => {
    // Only here: the other routes take JSON alone.
    installCsvBody(app)
    app.post('/invocations', async (req, reply) => {
      const body = requireBody(req)
      const batch = body instanceof CsvTable ? body : inputsOfInvocation(body)
      return { predictions: await predict(slot, batch, reply) }
    })
    app.post('/predict', async (req, reply) => {
      const body = requireBody(req)
      if (body instanceof CsvTable) throw badRequest('POST /predict takes a JSON list of inputs; send CSV to POST /invocations')
      return predict(slot, inputsOfPredictList(body), reply)
    })
  }
}

/** A CSV table becomes inputs only here: the version's signature types its columns. */
async function predict(slot: ModelSlot, batch: unknown[] | CsvTable, reply: FastifyReply): Promise<unknown[]> {
  const version = slot.acquire()
  try {
    nameVersion(reply, version)
    const inputs = batch instanceof CsvTable ? batch.inputs(version.csvKinds) : batch
    version.check?.(inputs, batch instanceof CsvTable ? batch.inputName : undefined)
    return await version.predict(inputs)
  } catch (err) {
    throw predictionError(err)
  } finally {
    version.release()
  }
}

export function nameVersion(reply: FastifyReply, version: ServedVersion): void {
  reply.header(MODEL_NAME_HEADER, version.target.name)
  reply.header(MODEL_VERSION_HEADER, version.target.version)
}
