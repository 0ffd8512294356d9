/**
 * Wire shapes of continuous delivery: promotion-gate results recorded on candidate model versions,
 * and the deployment history of an alias (who moved it, when, to which version, on which verdict).
 */

/** pass: the candidate may replace the champion; fail: it may not; error: the gate could not decide. */
export type GateVerdict = 'pass' | 'fail' | 'error'
export const GATE_VERDICTS: readonly GateVerdict[] = ['pass', 'fail', 'error']

/** One run of the gate, recorded on the candidate version. Results are never changed or deleted. */
export interface GateResult {
  /** Increasing id; later results have larger ids. */
  id: string
  /** The registered model. */
  name: string
  /** The candidate version, as a string. */
  version: string
  /** The alias the candidate was compared against (and may be deployed to), e.g. `production`. */
  against_alias: string
  /** The version the alias pointed to when the gate ran; absent for a first deployment. */
  champion_version?: string
  verdict: GateVerdict
  /** One line saying why, for lists and the deployment history. */
  summary?: string
  /** The gate's full JSON result (metrics, checks, dataset versions); only in `gates/get`. */
  report?: unknown
  /** The Markdown report (fit for a pull-request comment); only in `gates/get`. */
  markdown?: string
  /** The authenticated identity, the X-Railyard-User header, or the server's OS user. */
  who: string
  /** Milliseconds since the epoch. */
  created_at: number
}

/**
 * How an alias came to point where it does: `deploy` (a passing gate), `forced` (no passing gate,
 * a reason given), `rollback`, or a plain alias change made outside deploy (`alias_set`,
 * `alias_deleted`).
 */
export type DeploymentKind = 'deploy' | 'forced' | 'rollback' | 'alias_set' | 'alias_deleted'

/** One move of an alias, from the registry's audit log. */
export interface Deployment {
  /** The audit entry's id. */
  id: string
  name: string
  alias: string
  /** The version the alias pointed to after the move; absent when it was deleted. */
  version?: string
  /** The version it pointed to before; absent when it was not set. */
  previous_version?: string
  kind: DeploymentKind
  who: string
  reason?: string
  /** Milliseconds since the epoch. */
  timestamp: number
  /**
   * The gate behind the move: for `deploy`, the passing result that allowed it; otherwise the
   * newest result for this version and alias recorded before the move, if any.
   */
  gate_id?: string
  gate_verdict?: GateVerdict
}
