import type { TrackingEndpoints } from '@railyard/api'
import { ExperimentsClient, RunsClient, Transport, queryString, type Call } from './sdk.js'
import { MLFLOW_PREFIX, RAILYARD_PREFIX, trackingRoutes, type Route } from './routes.js'
import { authFetch } from './auth-token.js'

/**
 * The one connection to the server: the page's own origin, through the SDK's transport, so errors
 * arrive as @railyard/api's classes carrying the server's `{error_code, message}`. Reads are
 * retried twice on network errors and 5xx; a person is waiting, so not for long.
 */
export const transport = new Transport({
  baseUrl: '',
  fetch: authFetch,
  headers: {},
  retry: { retries: 2, baseDelayMs: 300, maxDelayMs: 2000 },
  timeoutMs: 30_000,
})

/** The SDK's typed tracking calls, over the UI's copy of the route table. */
const call: Call = (name, request) => {
  const route = trackingRoutes[name as keyof TrackingEndpoints]
  return transport.json(route.method, MLFLOW_PREFIX + route.path, request as object)
}

export const experiments = new ExperimentsClient(call)
export const runs = new RunsClient(call)
export const trackingCall = call

/** A Railyard endpoint (`/api/2.0/railyard/…`), answered with JSON. */
export function railyard<T>(route: Route, request: object): Promise<T> {
  return transport.json<T>(route.method, RAILYARD_PREFIX + route.path, request)
}

/** An MLflow endpoint outside tracking (the registry). */
export function mlflow<T>(route: Route, request: object): Promise<T> {
  return transport.json<T>(route.method, MLFLOW_PREFIX + route.path, request)
}

/** A URL for links and downloads (file bytes, event streams): the route with its query string. */
export function urlOf(prefix: 'mlflow' | 'railyard', route: Route, query: object): string {
  return (prefix === 'mlflow' ? MLFLOW_PREFIX : RAILYARD_PREFIX) + route.path + queryString(query)
}

/** A run's artifact as a download: MLflow's UI endpoint, answered with `content-disposition: attachment`. */
export function artifactDownloadUrl(runId: string, path: string): string {
  return '/get-artifact' + queryString({ run_id: runId, path })
}
