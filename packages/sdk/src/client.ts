import { authHeadersFromEnv, identityHeadersFromEnv, normalizeTrackingUri, trackingUriFromEnv } from './config.js'
import { Transport, type FetchLike } from './http.js'
import { retryPolicy, type RetryOptions } from './retry.js'
import { tableCall, type Call } from './call.js'
import { ExperimentsClient } from './experiments-client.js'
import { RunsClient } from './runs-client.js'
import { ArtifactsClient } from './artifacts-client.js'
import { DatasetsClient } from './datasets/datasets-client.js'

export interface RailyardClientOptions {
  /**
   * Base URL of the tracking server. Default: RAILYARD_TRACKING_URI, then MLFLOW_TRACKING_URI,
   * then http://127.0.0.1:5000.
   */
  trackingUri?: string
  /** A fetch implementation (default: the global one). */
  fetch?: FetchLike
  /** Retries on network errors, timeouts, 429 and 5xx: a count, or the backoff in detail. Default 5. */
  retries?: number | RetryOptions
  /** Extra headers on every request; default: auth from MLFLOW_TRACKING_TOKEN or _USERNAME/_PASSWORD. */
  headers?: Record<string, string>
  /** Per-attempt timeout of JSON calls, in milliseconds. Default 120 000. */
  timeoutMs?: number
}

/**
 * A typed client of the MLflow tracking REST API, built from the api/ route table; it speaks to
 * Railyard or to any MLflow tracking server. Errors are the @railyard/api classes (NotFoundError,
 * InvalidParameterError, AlreadyExistsError, …) rebuilt from the server's `{ error_code, message }`,
 * or a ConnectionError when the server stays unreachable after the retries.
 */
export class RailyardClient {
  readonly trackingUri: string
  readonly transport: Transport
  /** Any endpoint of the api/ table by name, typed by its request and response. */
  readonly call: Call
  readonly experiments: ExperimentsClient
  readonly runs: RunsClient
  readonly artifacts: ArtifactsClient
  /** Data versioning: datastores, datasets, versions, experiment freezes. */
  readonly datasets: DatasetsClient

  constructor(opts: RailyardClientOptions = {}) {
    this.trackingUri = normalizeTrackingUri(opts.trackingUri ?? trackingUriFromEnv())
    this.transport = new Transport({
      baseUrl: this.trackingUri,
      fetch: opts.fetch ?? ((input, init) => fetch(input, init)),
      headers: { ...identityHeadersFromEnv(), ...authHeadersFromEnv(), ...opts.headers },
      retry: retryPolicy(opts.retries),
      timeoutMs: opts.timeoutMs ?? 120_000,
    })
    this.call = tableCall(this.transport)
    this.experiments = new ExperimentsClient(this.call)
    this.runs = new RunsClient(this.call)
    this.artifacts = new ArtifactsClient(this.transport, this.runs)
    this.datasets = new DatasetsClient(this.transport)
  }
}
