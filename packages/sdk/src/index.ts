export { RailyardClient, type RailyardClientOptions } from './client.js'
export { ExperimentsClient } from './experiments-client.js'
export { RunsClient, metricToWire, type MetricInput, type LogBatchInput } from './runs-client.js'
export { ArtifactsClient } from './artifacts-client.js'
export { RunLogsClient, runLogsOf, type RunLogLineInput, type RunLogPage, type RunLogFollowEvent } from './run-logs-client.js'
export { ARTIFACTS_PREFIX } from './artifact-paths.js'
export { ActiveRun } from './active-run.js'
export { MetricPointsDroppedError } from './metric-buffer.js'
export * from './datasets/index.js'
export { startRun, getRun, configure, defaultClient, getOrCreateExperiment, type StartRunOptions } from './fluent.js'
export { searchRuns, RunSearch, type SearchRunsOptions } from './run-search.js'
export { ConnectionError, type FetchLike } from './http.js'
export { type RetryOptions } from './retry.js'
export { MLFLOW_PREFIX, type Call } from './call.js'
export { type FileInfo, type Page, type ResponseOf, type TrackingResponses } from './responses.js'
export { DEFAULT_TRACKING_URI, trackingUriFromEnv, runIdFromEnv, localUser } from './config.js'
export * from './models/index.js'
// The wire types and error classes are the contract's; re-exported so scripts need one import.
export {
  ApiError,
  AlreadyExistsError,
  EndpointNotFoundError,
  InvalidParameterError,
  NotFoundError,
  PermissionDeniedError,
  UnauthenticatedError,
  toDouble,
  type Dataset,
  type DatasetInput,
  type ErrorCode,
  type Experiment,
  type Metric,
  type Param,
  type RequestOf,
  type Run,
  type RunData,
  type RunInfo,
  type RunInputs,
  type RunStatus,
  type Tag,
  type ViewType,
} from '@railyard/api'
export { DeliveryClient, deliveryOf, type DeliveryResponses, type RecordGateInput } from './delivery-client.js'
export type { Deployment, DeploymentKind, GateResult, GateVerdict, ModelManifest, ModelVersion, Predictor } from '@railyard/api'
export { TokensClient, tokensOf, type TokenResponses } from './tokens-client.js'
export type { ApiToken, TokenRole } from '@railyard/api'
