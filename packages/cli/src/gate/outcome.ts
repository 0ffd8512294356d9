import type { GateVerdict } from '@railyard/sdk'
import type { Metrics } from './metrics.js'
import type { Check } from './decide.js'
import type { EvaluationDataRef } from './evaluation-data.js'
import type { LoggedDatasetRef } from './logged-metrics.js'
import type { Latency } from './model-evaluation.js'
import type { BehaviouralResult } from './behavioural.js'

/** The gate's JSON result (`--json`), also recorded on the candidate version as the report. */
export interface GateOutcome {
  verdict: GateVerdict
  model: string
  /** The candidate version. */
  candidate: string
  /** The alias compared against. */
  against: string
  /** The version the alias pointed to; absent for a first deployment. */
  champion?: string
  first_deployment: boolean
  /** `evaluated`: the gate computed both models' metrics on the same data; `logged_metrics`: it compared the runs' logged metrics. */
  mode?: 'evaluated' | 'logged_metrics'
  data?: EvaluationDataRef | LoggedDatasetRef
  metrics: { challenger?: Metrics; champion?: Metrics }
  checks: Check[]
  size_bytes?: number
  latency?: Latency
  behavioural?: BehaviouralResult[]
  /** Why: the failing checks' details, or the error. */
  reasons: string[]
  /** One line. */
  summary: string
  error?: string
  /** The policy file, relative to the working directory. */
  policy: string
  /** The id of the result recorded on the candidate; absent when recording failed. */
  gate_result_id?: string
  duration_ms: number
}
