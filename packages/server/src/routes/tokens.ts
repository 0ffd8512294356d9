import type { FastifyInstance } from 'fastify'
import { tokenEndpoints, TOKEN_PREFIXES, type TokenRequestOf as T } from '@railyard/api'
import { mountEndpoints } from '../http/mlflow-routes.js'
import type { TokensService } from '../services/tokens.js'
import { actorOf } from './registry-actor.js'

/** API tokens, below /api/2.0/railyard (admin only: see auth/route-access.ts). */
export function tokenRoutes(app: FastifyInstance, tokens: TokensService): void {
  mountEndpoints(
    app,
    tokenEndpoints,
    {
      createToken: (r: T<'createToken'>, req) => tokens.create(r, actorOf(req).who),
      listTokens: (r: T<'listTokens'>) => tokens.list(r.include_revoked === true || r.include_revoked === 'true'),
      revokeToken: (r: T<'revokeToken'>) => tokens.revoke(r.id),
    },
    TOKEN_PREFIXES,
  )
}
