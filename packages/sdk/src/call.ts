import { tracking, type RequestOf, type TrackingEndpoints } from '@railyard/api'
import type { ResponseOf } from './responses.js'
import type { Transport } from './http.js'

/** The MLflow REST prefix every tracking endpoint of the api/ table lives under. */
export const MLFLOW_PREFIX = '/api/2.0/mlflow'

/** A typed call of one endpoint of the api/ table, by name. */
export type Call = <K extends keyof TrackingEndpoints>(name: K, request: RequestOf<K>) => Promise<ResponseOf<K>>

/** Builds `Call` from the route table: the method and path come from api/, never from the SDK. */
export function tableCall(transport: Transport): Call {
  return (name, request) => {
    const endpoint = tracking[name]
    return transport.json(endpoint.method, MLFLOW_PREFIX + endpoint.path, request as object)
  }
}
