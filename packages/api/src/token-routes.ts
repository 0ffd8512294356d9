import Type, { type Static, type TSchema } from 'typebox'
import { Int64, opt } from './schema-helpers.js'
import type { Endpoint } from './tracking-routes.js'
import { RUN_LOGS_PREFIXES } from './run-logs.js'

const endpoint = <S extends TSchema>(e: Endpoint<S>) => e

/** Where the token endpoints live: Railyard's prefix and its ajax twin. */
export const TOKEN_PREFIXES = RUN_LOGS_PREFIXES

/**
 * What a token may do, each role including the one before: `read` (GETs and searches), `write`
 * (tracking, registry, datasets, gate results, deploy and rollback), `admin` (also tokens,
 * webhooks, datastores).
 */
export const TOKEN_ROLES = ['read', 'write', 'admin'] as const
export type TokenRole = (typeof TOKEN_ROLES)[number]

/** An API token as the server describes it: never its value, which is shown once at creation. */
export interface ApiToken {
  id: string
  /** The user the token authenticates as: the `who` of the audit log and of other records the server keeps. */
  user: string
  role: TokenRole
  description?: string
  /** Milliseconds since the epoch, as every timestamp here. */
  created_at: number
  created_by: string
  /** Updated at most once a minute. */
  last_used_at?: number
  expires_at?: number
  revoked_at?: number
}

/**
 * API tokens for `railyard server --auth`, paths below `/api/2.0/railyard`; every one needs the
 * `admin` role. Errors: INVALID_PARAMETER_VALUE (400) for a bad user name, role or expiry;
 * RESOURCE_DOES_NOT_EXIST (404) for an unknown token id.
 */
export const tokenEndpoints = {
  /** Response: `{ token: ApiToken, value: string }`; `value` is the secret, never shown again. */
  createToken: endpoint({
    method: 'POST',
    path: '/tokens/create',
    request: Type.Object({
      user: Type.String(),
      role: Type.String(),
      description: opt(Type.String()),
      /** Milliseconds since the epoch; absent for a token that does not expire. */
      expires_at: opt(Int64),
    }),
  }),
  /** Response: `{ tokens: ApiToken[] }`, oldest first; revoked ones only with `include_revoked`. */
  listTokens: endpoint({
    method: 'GET',
    path: '/tokens/list',
    request: Type.Object({ include_revoked: opt(Type.Union([Type.Boolean(), Type.String()])) }),
  }),
  /** Response: `{ token: ApiToken }`. Revoking a revoked token is a no-op. */
  revokeToken: endpoint({
    method: 'POST',
    path: '/tokens/revoke',
    request: Type.Object({ id: Type.String() }),
  }),
}

export type TokenEndpoints = typeof tokenEndpoints
export type TokenRequestOf<K extends keyof TokenEndpoints> = Static<TokenEndpoints[K]['request']>
