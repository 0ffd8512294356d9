import type { Experiment, Metric, MetricWithRunId, Run, RunInfo, TrackingEndpoints } from '@railyard/api'

/** An entry of an artifact listing. */
export interface FileInfo {
  /** Relative to the run's artifact root (`artifacts.list`) or to the listed directory (raw wire). */
  path: string
  is_dir: boolean
  /** Bytes; absent for directories. */
  file_size?: number
}

type Empty = Record<string, never>

/**
 * What each endpoint of the api/ table answers, as MLflow writes it: empty lists and unset fields
 * are left out, so list fields are optional here and the typed client fills in `[]`.
 */
export interface TrackingResponses {
  createExperiment: { experiment_id: string }
  searchExperiments: { experiments?: Experiment[]; next_page_token?: string }
  getExperiment: { experiment: Experiment }
  getExperimentByName: { experiment: Experiment }
  deleteExperiment: Empty
  restoreExperiment: Empty
  updateExperiment: Empty
  setExperimentTag: Empty
  deleteExperimentTag: Empty
  createRun: { run: Run }
  updateRun: { run_info: RunInfo }
  deleteRun: Empty
  restoreRun: Empty
  getRun: { run: Run }
  searchRuns: { runs?: Run[]; next_page_token?: string }
  logMetric: Empty
  logParam: Empty
  setTag: Empty
  deleteTag: Empty
  logBatch: Empty
  logModel: Empty
  logInputs: Empty
  getMetricHistory: { metrics?: Metric[]; next_page_token?: string }
  getMetricHistoryBulkInterval: { metrics?: MetricWithRunId[] }
  listArtifacts: { root_uri?: string; files?: FileInfo[]; next_page_token?: string }
}

export type ResponseOf<K extends keyof TrackingEndpoints> = K extends keyof TrackingResponses ? TrackingResponses[K] : unknown

/** One page of a search. */
export interface Page<T> {
  items: T[]
  /** Pass back as `page_token` for the next page; absent on the last page. */
  nextPageToken?: string
}

// Fails to compile when an endpoint is added to api/ without a response type here.
type Unanswered = Exclude<keyof TrackingEndpoints, keyof TrackingResponses>
export const responsesCoverEveryEndpoint: [Unanswered] extends [never] ? true : Unanswered = true
