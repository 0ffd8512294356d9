import {
  GATE_LIMITS,
  GATE_VERDICTS,
  InvalidParameterError,
  NotFoundError,
  toInt,
  type CdRequestOf,
  type GateResult,
  type GateVerdict,
} from '@railyard/api'
import type { Store } from '../store/store.js'
import type { GateResultRow, GateSummaryRow } from '../store/gates-repo.js'
import type { Actor } from '../store/registry-audit-repo.js'
import type { RegistryServices } from './registry.js'
import { decodePageToken, page } from './page-token.js'
import { pageSize, validateLength } from './validation.js'
import { parseVersion, validateAlias } from './registry-validation.js'

/** The version tag that shows a version's newest verdict against an alias in registry views. */
export const gateTagKey = (alias: string) => `railyard.gate.${alias}`

/**
 * Gate results: what `railyard gate` decided about a candidate version against an alias. Results
 * are append-only; recording one tags the version with the verdict and announces `gate.recorded`.
 */
export class GatesService {
  constructor(
    private readonly store: Store,
    private readonly registry: RegistryServices,
    private readonly now: () => number = Date.now,
  ) {}

  async record(req: CdRequestOf<'recordGateResult'>, actor: Actor): Promise<{ gate_result: GateResult }> {
    const version = await this.registry.versions.row(req.name, req.version)
    const alias = validateAlias(req.against_alias)
    const verdict = parseVerdict(req.verdict)
    const champion = req.champion_version === undefined || req.champion_version === '' ? null : parseVersion(req.champion_version, 'champion_version')
    if (req.summary !== undefined) validateLength(req.summary, GATE_LIMITS.summaryLength, 'summary')
    if (req.markdown !== undefined) validateLength(req.markdown, GATE_LIMITS.markdownLength, 'markdown')
    const report = req.report === undefined ? null : JSON.stringify(req.report)
    if (report !== null && Buffer.byteLength(report) > GATE_LIMITS.reportBytes) {
      throw new InvalidParameterError(`report had ${Buffer.byteLength(report)} bytes, which exceeded the limit of ${GATE_LIMITS.reportBytes}`)
    }
    const row = {
      model_id: version.model_id,
      version: version.version,
      against_alias: alias,
      champion_version: champion,
      verdict,
      summary: req.summary || null,
      report,
      markdown: req.markdown ?? null,
      who: actor.who,
      created_at: this.now(),
    }
    const id = await this.store.gates.insertResult(row)
    const result = toWire({ id, ...row }, version.name, false)
    // Tag keys are at most 250 characters; an alias near its 255-character limit goes untagged.
    if (gateTagKey(alias).length <= 250) await this.registry.versions.setTag(version.name, version.version, gateTagKey(alias), verdict)
    this.registry.webhooks.emit('gate.recorded', { gate_result: result })
    return { gate_result: result }
  }

  async get(id: string | undefined): Promise<{ gate_result: GateResult }> {
    const n = Number(id)
    const row = id && /^\d+$/.test(id) && Number.isSafeInteger(n) ? await this.store.gates.getResult(n) : undefined
    if (!row) throw new NotFoundError(`Gate result with id=${id} not found`)
    const model = await this.store.registry.getById(row.model_id)
    return { gate_result: toWire(row, model?.name ?? '', true) }
  }

  /** A model's results, newest first. */
  async list(req: CdRequestOf<'listGateResults'>): Promise<{ gate_results: GateResult[]; next_page_token?: string }> {
    const model = await this.registry.models.row(req.name)
    const version = req.version === undefined || req.version === '' ? undefined : parseVersion(req.version)
    const alias = req.against_alias === undefined || req.against_alias === '' ? undefined : validateAlias(req.against_alias)
    const size = pageSize(toInt(req.max_results), GATE_LIMITS.listDefault, GATE_LIMITS.listMax)
    const offset = decodePageToken(req.page_token)
    const rows = await this.store.gates.listResults({ modelId: model.model_id, version, alias, offset, limit: size + 1 })
    const { items, nextPageToken } = page(rows, offset, size)
    return { gate_results: items.map((r) => toWire(r, model.name, false)), next_page_token: nextPageToken }
  }
}

function parseVerdict(verdict: string): GateVerdict {
  const v = GATE_VERDICTS.find((x) => x === verdict?.toLowerCase())
  if (!v) throw new InvalidParameterError(`Invalid value '${verdict}' for parameter 'verdict': expected one of ${GATE_VERDICTS.join(', ')}.`)
  return v
}

export function toWire(row: GateSummaryRow | GateResultRow, name: string, full: boolean): GateResult {
  const result: GateResult = {
    id: String(row.id),
    name,
    version: String(row.version),
    against_alias: row.against_alias,
    champion_version: row.champion_version === null ? undefined : String(row.champion_version),
    verdict: row.verdict as GateVerdict,
    summary: row.summary ?? undefined,
    who: row.who,
    created_at: Number(row.created_at),
  }
  if (full && 'report' in row) {
    result.report = row.report === null ? undefined : JSON.parse(row.report)
    result.markdown = row.markdown ?? undefined
  }
  return result
}
