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
