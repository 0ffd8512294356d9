import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ModelSlot } from '../model-slot.js'
import { predictionError } from '../predict-errors.js'
import { inputsOfInvocation, inputsOfPredictList } from '../scoring-input.js'
import { requireBody } from '../json-body.js'
import type { ServedVersion } from '../served-version.js'

/** Response headers naming the version that answered. */
export const MODEL_NAME_HEADER = 'x-railyard-model-name'
export const MODEL_VERSION_HEADER = 'x-railyard-model-version'

/**
 * `POST /invocations` (MLflow's scoring protocol, answering `{"predictions": [...]}`) and
 * `POST /predict` (a plain JSON list in, a plain JSON list out). Each request runs wholly on the
 * version that was current when it arrived, named in the response headers.
 */
export function scoringRoutes(slot: ModelSlot) {
  return async (app: FastifyInstance) => {
    app.post('/invocations', async (req, reply) => {
      const inputs = inputsOfInvocation(requireBody(req))
      return { predictions: await predict(slot, inputs, reply) }
    })
    app.post('/predict', async (req, reply) => {
      const inputs = inputsOfPredictList(requireBody(req))
      return predict(slot, inputs, reply)
    })
  }
}

async function predict(slot: ModelSlot, inputs: unknown[], reply: FastifyReply): Promise<unknown[]> {
  const version = slot.acquire()
  try {
    nameVersion(reply, version)
    version.check?.(inputs)
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
