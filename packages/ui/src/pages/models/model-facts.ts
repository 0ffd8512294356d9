import type { ModelVersion, RegisteredModel } from '@railyard/api'

/** The alias deploys go to by default (the CD endpoints' default), so the one pages single out. */
export const PRODUCTION = 'production'

export function latestVersion(model: RegisteredModel): number | undefined {
  const numbers = (model.latest_versions ?? []).map((v) => Number(v.version))
  return numbers.length ? Math.max(...numbers) : undefined
}

export function aliasTarget(model: RegisteredModel, alias: string): string | undefined {
  return model.aliases?.find((a) => a.alias === alias)?.version
}

/** The verdict the gate recorded on a version for an alias (the `railyard.gate.<alias>` tag). */
export function gateTag(version: ModelVersion, alias = PRODUCTION): string | undefined {
  return version.tags?.find((t) => t.key === `railyard.gate.${alias}`)?.value
}

/** True when the server is older than the endpoint (it answers ENDPOINT_NOT_FOUND). */
export function isMissingEndpoint(err: unknown): boolean {
  return (err as { code?: string } | undefined)?.code === 'ENDPOINT_NOT_FOUND'
}
