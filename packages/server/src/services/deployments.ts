import {
  ApiError,
  GATE_LIMITS,
  InvalidParameterError,
  toInt,
  type CdRequestOf,
  type Deployment,
  type DeploymentKind,
  type GateVerdict,
} from '@railyard/api'
import type { Store } from '../store/store.js'
import type { AliasAuditRow, DeploymentMoveRow, GateSummaryRow } from '../store/gates-repo.js'
import type { ModelRow } from '../store/registry-repo.js'
import type { Actor } from '../store/registry-audit-repo.js'
import { DELETED_STAGE } from '../store/registry-schema.js'
import type { RegistryServices } from './registry.js'
import { decodePageToken, page } from './page-token.js'
import { pageSize } from './validation.js'
import { validateAlias } from './registry-validation.js'
import { rollbackTarget, servedVersions } from './deployment-history.js'

/**
 * A deploy or rollback the rules refuse (no passing gate, a stale one, nothing to go back to): a
 * conflict with the alias's state, RESOURCE_CONFLICT (409), so CI tells it apart from a bad value.
 */
export class DeployRefusedError extends ApiError {
  constructor(message: string) {
    super('RESOURCE_CONFLICT', message)
  }
}

export const DEFAULT_ALIAS = 'production'

/**
 * Deploy, rollback and history of an alias. Every move goes through the registry's setAlias, so
 * it is audited and announced exactly once; this service only decides whether a move is allowed
 * and notes in `deployment_moves` which audit entries were deploys, forced deploys or rollbacks.
 */
export class DeploymentsService {
  // Deploys and rollbacks of one alias run one at a time in this process: a rollback reads the
  // history and then moves, and two interleaved would go back to the same version twice. Across
  // processes sharing a database, each move is also conditional on the alias still pointing where
  // the decision saw it (AliasMovedError, 409, otherwise).
  private readonly queues = new Map<string, Promise<unknown>>()

  constructor(
    private readonly store: Store,
    private readonly registry: RegistryServices,
  ) {}

  /**
   * Points the alias at the version when its newest gate result against that alias passed and
   * compared against the version the alias points to now, or when forced with a reason.
   */
  async deploy(req: CdRequestOf<'deploy'>, actor: Actor): Promise<{ deployment: Deployment; changed: boolean }> {
    const model = await this.registry.models.row(req.name)
    const alias = validateAlias(req.alias || DEFAULT_ALIAS)
    const target = await this.registry.versions.row(model.name, req.version)
    if (target.status !== 'READY') {
      throw new DeployRefusedError(`Version ${target.version} of ${model.name} is ${target.status}; only READY versions can be deployed.`)
    }
    const reason = req.reason?.trim() || undefined
    if (req.force && !reason) {
      throw new InvalidParameterError(`A forced deploy needs a reason (parameter 'reason'): it is kept in the audit log.`)
    }
    return this.serialized(model, alias, async () => {
      const current = await this.store.registry.aliasVersion(model.model_id, alias)
      if (current === target.version) {
        const [latest] = await this.history(model, alias, 0, 1)
        return { deployment: latest, changed: false }
      }
      const gate = await this.store.gates.latestResult(model.model_id, target.version, alias)
      const refusal = gateRefusal(model.name, target.version, alias, current, gate)
      if (refusal && !req.force) throw new DeployRefusedError(refusal)
      const kind: DeploymentKind = refusal ? 'forced' : 'deploy'
      const why = kind === 'forced' ? `forced: ${reason}` : reason ? `${reason} (gate #${gate!.id} passed)` : `gate #${gate!.id} passed`
      const deployment = await this.move(model, alias, current, target.version, { who: actor.who, reason: why }, kind, kind === 'deploy' ? gate : undefined)
      return { deployment, changed: true }
    })
  }

  /** Moves the alias back to the version it served before the current one (see deployment-history.ts). */
  async rollback(req: CdRequestOf<'rollback'>, actor: Actor): Promise<{ deployment: Deployment }> {
    const model = await this.registry.models.row(req.name)
    const alias = validateAlias(req.alias || DEFAULT_ALIAS)
    return this.serialized(model, alias, async () => {
      const [audit, moves, current] = await Promise.all([
        this.store.gates.aliasHistory(model.model_id, alias),
        this.store.gates.movesFor(model.model_id, alias),
        this.store.registry.aliasVersion(model.model_id, alias),
      ])
      const served = servedVersions(audit.map((a) => ({ action: a.action, to: a.to, rollback: moves.get(a.id)?.kind === 'rollback' })))
      const target = await rollbackTarget(served, current, (v) => this.isLive(model.model_id, v))
      if (target === undefined) {
        const state = current === undefined ? `${model.name}@${alias} is not set and` : `${model.name}@${alias} points to version ${current} and`
        throw new DeployRefusedError(
          `Cannot roll back: ${state} its history holds no earlier version that still exists (the audit log has ${audit.length} change${audit.length === 1 ? '' : 's'} of this alias).`,
        )
      }
      const from = current === undefined ? 'an unset alias' : `version ${current}`
      const why = `rollback from ${from} to version ${target}${req.reason?.trim() ? `: ${req.reason.trim()}` : ''}`
      return { deployment: await this.move(model, alias, current, target, { who: actor.who, reason: why }, 'rollback', undefined) }
    })
  }

  /** Every move of the alias (or of every alias), newest first. */
  async list(req: CdRequestOf<'listDeployments'>): Promise<{ deployments: Deployment[]; next_page_token?: string }> {
    const model = await this.registry.models.row(req.name)
    const alias = req.alias ? validateAlias(req.alias) : undefined
    const size = pageSize(toInt(req.max_results), GATE_LIMITS.historyDefault, GATE_LIMITS.historyMax)
    const offset = decodePageToken(req.page_token)
    const rows = await this.history(model, alias, offset, size + 1)
    const { items, nextPageToken } = page(rows, offset, size)
    return { deployments: items, next_page_token: nextPageToken }
  }

  private async history(model: ModelRow, alias: string | undefined, offset: number, limit: number): Promise<Deployment[]> {
    const [audit, moves, gates] = await Promise.all([
      this.store.gates.aliasHistory(model.model_id, alias),
      this.store.gates.movesFor(model.model_id, alias),
      this.store.gates.resultsFor(model.model_id, alias),
    ])
    return audit
      .reverse()
      .slice(offset, offset + limit)
      .map((entry) => {
        const move = moves.get(entry.id)
        return toDeployment(model.name, entry, move, gateBehind(entry, move, gates))
      })
  }

  /** Moves the alias from `from` (as the decision saw it) through the registry and notes what kind of move it was. */
  private async move(
    model: ModelRow,
    alias: string,
    from: number | undefined,
    version: number,
    actor: Actor,
    kind: DeploymentKind,
    gate: GateSummaryRow | undefined,
  ): Promise<Deployment> {
    const before = await this.store.gates.lastAuditId(model.model_id)
    await this.registry.models.setAlias(model.name, alias, version, actor, from ?? null)
    const entry = await this.store.gates.findAliasSet(model.model_id, before, alias, version, actor.who)
    if (!entry) throw new Error(`The audit entry of moving ${model.name}@${alias} to ${version} was not found`)
    const move = { audit_id: entry.id, model_id: model.model_id, alias, kind, gate_id: gate ? Number(gate.id) : null }
    await this.store.gates.insertMove(move)
    return toDeployment(model.name, entry, move, gate)
  }

  private async isLive(modelId: number, version: number): Promise<boolean> {
    const row = await this.store.registry.versions.get(modelId, version)
    return !!row && row.current_stage !== DELETED_STAGE && row.status === 'READY'
  }

  private serialized<T>(model: ModelRow, alias: string, work: () => Promise<T>): Promise<T> {
    const key = `${model.model_id}/${alias}`
    const previous = this.queues.get(key) ?? Promise.resolve()
    const next = previous.then(work, work)
    const settled = next.catch(() => undefined)
    this.queues.set(key, settled)
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key)
    })
    return next
  }
}

/** Why the version may not be deployed without force, or undefined when its gate allows it. */
function gateRefusal(name: string, version: number, alias: string, current: number | undefined, gate: GateSummaryRow | undefined): string | undefined {
  const force = `or deploy with force and a reason.`
  if (!gate) return `Version ${version} of ${name} has no gate result against '${alias}': run the gate first (railyard gate), ${force}`
  if (gate.verdict !== 'pass') {
    const why = gate.summary ? `: ${gate.summary}` : ''
    return `The newest gate result for version ${version} of ${name} against '${alias}' (#${gate.id}) is '${gate.verdict}'${why}. Fix and re-run the gate, ${force}`
  }
  const compared = gate.champion_version === null ? undefined : Number(gate.champion_version)
  if (compared !== current) {
    const then = compared === undefined ? `no version (a first deployment)` : `version ${compared}`
    const now = current === undefined ? 'is not set now' : `points to version ${current} now`
    return `The gate result for version ${version} of ${name} (#${gate.id}) compared it with ${then}, but '${alias}' ${now}: re-run the gate against the current version, ${force}`
  }
  return undefined
}

/** The gate behind a move: the one a deploy relied on, else the newest result for that version recorded before it. */
function gateBehind(entry: AliasAuditRow, move: DeploymentMoveRow | undefined, gates: GateSummaryRow[]): GateSummaryRow | undefined {
  if (move?.gate_id != null) return gates.find((g) => Number(g.id) === move.gate_id)
  if (entry.to === undefined) return undefined
  let found: GateSummaryRow | undefined
  for (const g of gates) {
    if (g.version === entry.to && g.against_alias === entry.alias && Number(g.created_at) <= entry.at) found = g
  }
  return found
}

function toDeployment(name: string, entry: AliasAuditRow, move: Pick<DeploymentMoveRow, 'kind'> | undefined, gate: GateSummaryRow | undefined): Deployment {
  const kind = (move?.kind as DeploymentKind | undefined) ?? (entry.action === 'alias.deleted' ? 'alias_deleted' : 'alias_set')
  return {
    id: String(entry.id),
    name,
    alias: entry.alias,
    version: entry.action === 'alias.deleted' ? undefined : entry.to === undefined ? undefined : String(entry.to),
    previous_version: entry.from === undefined ? undefined : String(entry.from),
    kind,
    who: entry.who,
    reason: entry.reason,
    timestamp: entry.at,
    gate_id: gate ? String(gate.id) : undefined,
    gate_verdict: gate ? (gate.verdict as GateVerdict) : undefined,
  }
}
