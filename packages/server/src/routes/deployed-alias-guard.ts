import type { FastifyRequest } from 'fastify'
import type { RegisteredModelsService } from '../services/registry-models.js'
import { adminOnly, belowAdmin } from '../auth/admin-only.js'

/**
 * Under `--auth`, an alias that deploy or rollback has moved is moved or deleted directly (MLflow's
 * set-alias and delete-alias) only with an admin token. A `write` token, which CI holds, must go
 * through `railyard deploy`, whose gate check it cannot step around. Without authentication
 * nothing is refused here: the CLI asks for --force --reason, and the audit log records the move.
 */
export async function refuseDeployedAliasMove(req: FastifyRequest, models: RegisteredModelsService, name: string, alias: string): Promise<void> {
  const caller = belowAdmin(req)
  if (!caller || !(await models.deployedAliases(name)).has(alias)) return
  throw adminOnly(
    `Alias '${alias}' of model '${name}' is deployed through railyard deploy, which checks the gate: ` +
      `move it with deploy or rollback, or with a token that has the 'admin' role`,
    caller,
  )
}

/**
 * Deleting the version a deployed alias points to removes the alias, and deleting or renaming a
 * model deploy has moved aliases of takes the name serving follows away (a model made again under
 * the name starts without deploy history, so its aliases would be ordinary). Under `--auth` these
 * need an admin token, as moving the alias directly does.
 */
export async function refuseDeployedVersionDelete(req: FastifyRequest, models: RegisteredModelsService, name: string, version: string): Promise<void> {
  const caller = belowAdmin(req)
  if (!caller) return
  const deployed = await models.deployedAliases(name)
  if (deployed.size === 0) return
  const { aliases = [] } = await models.get(name)
  const hit = aliases.find((a) => deployed.has(a.alias) && a.version === String(Number(version)))
  if (!hit) return
  throw adminOnly(
    `Version ${hit.version} of model '${name}' is what alias '${hit.alias}' points to, which railyard deploy moved: ` +
      `deploy or roll back to another version first, or delete it with a token that has the 'admin' role`,
    caller,
  )
}

export async function refuseDeployedModelChange(req: FastifyRequest, models: RegisteredModelsService, name: string, change: 'delete' | 'rename'): Promise<void> {
  const caller = belowAdmin(req)
  if (!caller) return
  const deployed = await models.deployedAliases(name)
  if (deployed.size === 0) return
  throw adminOnly(`Model '${name}' has aliases railyard deploy moved (${[...deployed].sort().join(', ')}): to ${change} it needs a token that has the 'admin' role`, caller)
}

/**
 * A forced deploy skips the gate check; under `--auth` it is an admin's emergency override, so a
 * write token (CI's) always goes through the gate.
 */
export function refuseForcedDeploy(req: FastifyRequest, force: boolean | undefined): void {
  const caller = belowAdmin(req)
  if (!force || !caller) return
  throw adminOnly(`A forced deploy skips the gate: deploy without force after a passing gate, or force with a token that has the 'admin' role`, caller)
}
