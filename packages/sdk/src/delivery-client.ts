import {
  CD_PREFIXES,
  cdEndpoints,
  type CdEndpoints,
  type CdRequestOf,
  type Deployment,
  type GateResult,
  type GateVerdict,
} from '@railyard/api'
import { allPages } from './all-pages.js'
import type { RailyardClient } from './client.js'
import type { Transport } from './http.js'
import type { Page } from './responses.js'

type Version = string | number

/** What each continuous delivery endpoint answers. */
export interface DeliveryResponses {
  recordGateResult: { gate_result: GateResult }
  getGateResult: { gate_result: GateResult }
  listGateResults: { gate_results?: GateResult[]; next_page_token?: string }
  deploy: { deployment: Deployment; changed: boolean }
  rollback: { deployment: Deployment }
  listDeployments: { deployments?: Deployment[]; next_page_token?: string }
}

// Fail to compile when the contract gains an endpoint without a response type here.
export const deliveryResponsesCoverEveryEndpoint: [Exclude<keyof CdEndpoints, keyof DeliveryResponses>] extends [never] ? true : never = true

export interface RecordGateInput {
  name: string
  version: Version
  /** The alias the candidate was compared against, e.g. `production`. */
  againstAlias: string
  verdict: GateVerdict
  /** The version the alias pointed to when the gate ran; absent for a first deployment. */
  championVersion?: Version
  summary?: string
  report?: unknown
  markdown?: string
}

/**
 * Continuous delivery: gate results on candidate versions, and deploy / rollback / history of an
 * alias. Writes are attributed, in the registry's audit log, to the local OS user (the
 * `X-Railyard-User` header) unless the server knows better. Errors are the @railyard/api classes:
 * an unknown model, version or result is NotFoundError; a refused deploy (no passing gate, a stale
 * gate) or a rollback with nowhere to go is an ApiError with code RESOURCE_CONFLICT (409); a bad
 * value (force without a reason) is InvalidParameterError.
 */
export class DeliveryClient {
  private readonly transport: Transport

  constructor(client: RailyardClient) {
    this.transport = client.transport
  }

  /** Any continuous delivery endpoint, by name. */
  call<K extends keyof CdEndpoints>(name: K, request: CdRequestOf<K>): Promise<DeliveryResponses[K]> {
    const ep = cdEndpoints[name]
    const path = CD_PREFIXES[0] + ep.path
    return this.transport.json(ep.method, path, request)
  }

  /** Records a gate result on the candidate version (tagging it and announcing `gate.recorded`). */
  async recordGate(input: RecordGateInput): Promise<GateResult> {
    const res = await this.call('recordGateResult', {
      name: input.name,
      version: String(input.version),
      against_alias: input.againstAlias,
      verdict: input.verdict,
      champion_version: input.championVersion === undefined ? undefined : String(input.championVersion),
      summary: input.summary,
      report: input.report,
      markdown: input.markdown,
    })
    return res.gate_result
  }

  /** One result with its JSON report and Markdown. */
  async getGate(id: string): Promise<GateResult> {
    return (await this.call('getGateResult', { id })).gate_result
  }

  /** One page of a model's results, newest first (without reports). */
  async listGates(name: string, opts: { version?: Version; againstAlias?: string; maxResults?: number; pageToken?: string } = {}): Promise<Page<GateResult>> {
    const res = await this.call('listGateResults', {
      name,
      version: opts.version === undefined ? undefined : String(opts.version),
      against_alias: opts.againstAlias,
      max_results: opts.maxResults,
      page_token: opts.pageToken,
    })
    return { items: res.gate_results ?? [], nextPageToken: res.next_page_token }
  }

  /**
   * Points the alias (default `production`) at the version if its newest gate result against that
   * alias passed against the alias's current version; `force` skips that check but needs a reason.
   */
  async deploy(name: string, version: Version, opts: { alias?: string; force?: boolean; reason?: string } = {}): Promise<DeliveryResponses['deploy']> {
    return this.call('deploy', { name, version: String(version), alias: opts.alias, force: opts.force, reason: opts.reason })
  }

  /** Moves the alias (default `production`) back to the version it pointed to before. */
  async rollback(name: string, opts: { alias?: string; reason?: string } = {}): Promise<Deployment> {
    return (await this.call('rollback', { name, alias: opts.alias, reason: opts.reason })).deployment
  }

  /** One page of the alias's moves (every alias's when none is named), newest first. */
  async deployments(name: string, opts: { alias?: string; maxResults?: number; pageToken?: string } = {}): Promise<Page<Deployment>> {
    const res = await this.call('listDeployments', { name, alias: opts.alias, max_results: opts.maxResults, page_token: opts.pageToken })
    return { items: res.deployments ?? [], nextPageToken: res.next_page_token }
  }

  async *allDeployments(name: string, opts: { alias?: string; pageSize?: number } = {}): AsyncGenerator<Deployment> {
    yield* allPages((pageToken) => this.deployments(name, { alias: opts.alias, maxResults: opts.pageSize, pageToken }))
  }
}

/** The continuous delivery client of `client`. */
export function deliveryOf(client: RailyardClient): DeliveryClient {
  return new DeliveryClient(client)
}
