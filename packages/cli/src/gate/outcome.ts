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
  /** The version the alias pointed to; absent for a first deployment, or when the gate failed before looking. */
  champion?: string
  /** True once the gate found the alias unset and gated a first deployment; false otherwise, also when it failed before looking. */
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
  /** What the verdict did not cover, e.g. a first deployment whose policy sets no floors (no metric was checked). */
  warnings?: string[]
  /** The policy file: relative to the working directory when inside it, else absolute. */
  policy: string
  /** The id of the result recorded on the candidate; absent when recording failed. */
  gate_result_id?: string
  duration_ms: number
}
