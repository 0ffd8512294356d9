import type { FastifyRequest } from 'fastify'
import { PermissionDeniedError } from '@railyard/api'
import type { RegisteredModelsService } from '../services/registry-models.js'
import type { IdentifiedRequest } from './registry-actor.js'

/**
 * Under `--auth`, an alias that deploy or rollback has moved is moved or deleted directly (MLflow's
 * set-alias and delete-alias) only with an admin token. A `write` token, which CI holds, must go
 * through `railyard deploy`, whose gate check it cannot step around. Without authentication
 * nothing is refused here: the CLI asks for --force --reason, and the audit log records the move.
 */
export async function refuseDeployedAliasMove(req: FastifyRequest, models: RegisteredModelsService, name: string, alias: string): Promise<void> {
  const role = (req as IdentifiedRequest).role
  if (role === undefined || role === 'admin') return
  if (!(await models.isDeployed(name, alias))) return
  throw new PermissionDeniedError(
    `Alias '${alias}' of model '${name}' is deployed through railyard deploy, which checks the gate: ` +
      `move it with deploy or rollback, or with a token that has the 'admin' role; ${(req as IdentifiedRequest).identity}'s token has '${role}'`,
  )
}

/**
 * Deleting the version a deployed alias points to removes the alias, and deleting or renaming a
 * model deploy has moved aliases of takes the name serving follows away (a model made again under
 * the name starts without deploy history, so its aliases would be ordinary). Under `--auth` these
 * need an admin token, as moving the alias directly does.
 */
export async function refuseDeployedVersionDelete(req: FastifyRequest, models: RegisteredModelsService, name: string, version: string): Promise<void> {
  const role = (req as IdentifiedRequest).role
  if (role === undefined || role === 'admin') return
  const deployed = await models.deployedAliases(name)
  if (deployed.size === 0) return
  const { aliases = [] } = await models.get(name)
  const hit = aliases.find((a) => deployed.has(a.alias) && a.version === String(Number(version)))
  if (!hit) return
  throw new PermissionDeniedError(
    `Version ${hit.version} of model '${name}' is what alias '${hit.alias}' points to, which railyard deploy moved: ` +
      `deploy or roll back to another version first, or delete it with a token that has the 'admin' role; ${(req as IdentifiedRequest).identity}'s token has '${role}'`,
  )
}

export async function refuseDeployedModelChange(req: FastifyRequest, models: RegisteredModelsService, name: string, change: 'delete' | 'rename'): Promise<void> {
  const role = (req as IdentifiedRequest).role
  if (role === undefined || role === 'admin') return
  const deployed = await models.deployedAliases(name)
  if (deployed.size === 0) return
  throw new PermissionDeniedError(
    `Model '${name}' has aliases railyard deploy moved (${[...deployed].sort().join(', ')}): ` +
      `to ${change} it needs a token that has the 'admin' role; ${(req as IdentifiedRequest).identity}'s token has '${role}'`,
  )
}

/**
 * A forced deploy skips the gate check; under `--auth` it is an admin's emergency override, so a
 * write token (CI's) always goes through the gate.
 */
export function refuseForcedDeploy(req: FastifyRequest, force: boolean | undefined): void {
  const role = (req as IdentifiedRequest).role
  if (!force || role === undefined || role === 'admin') return
  throw new PermissionDeniedError(
    `A forced deploy skips the gate and needs a token that has the 'admin' role; ${(req as IdentifiedRequest).identity}'s token has '${role}' (deploy without force after a passing gate)`,
  )
}
