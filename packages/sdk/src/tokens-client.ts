import { TOKEN_PREFIXES, tokenEndpoints, type ApiToken, type TokenEndpoints, type TokenRequestOf, type TokenRole } from '@railyard/api'
import type { RailyardClient } from './client.js'
import type { Transport } from './http.js'

/** What each token endpoint answers. */
export interface TokenResponses {
  createToken: { token: ApiToken; value: string }
  listTokens: { tokens?: ApiToken[] }
  revokeToken: { token: ApiToken }
}

// Fail to compile when the contract gains an endpoint without a response type here.
export const tokenResponsesCoverEveryEndpoint: [Exclude<keyof TokenEndpoints, keyof TokenResponses>] extends [never] ? true : never = true

/**
 * API tokens of a server started with `--auth`. Every call needs an admin token (set
 * MLFLOW_TRACKING_TOKEN); otherwise UnauthenticatedError (401) or PermissionDeniedError (403).
 */
export class TokensClient {
  private readonly transport: Transport

  constructor(client: RailyardClient) {
    this.transport = client.transport
  }

  /** Any token endpoint, by name. */
  call<K extends keyof TokenEndpoints>(name: K, request: TokenRequestOf<K>): Promise<TokenResponses[K]> {
    const ep = tokenEndpoints[name]
    return this.transport.json(ep.method, TOKEN_PREFIXES[0] + ep.path, request)
  }

  /** Makes a token for `user`; `value` is the secret, returned this once. `expiresAt` is a Date or epoch milliseconds. */
  async create(user: string, role: TokenRole, opts: { description?: string; expiresAt?: Date | number } = {}): Promise<{ token: ApiToken; value: string }> {
    const expires = opts.expiresAt instanceof Date ? opts.expiresAt.getTime() : opts.expiresAt
    return this.call('createToken', { user, role, description: opts.description, expires_at: expires })
  }

  /** Every token, oldest first, without values; revoked ones too with `includeRevoked`. */
  async list(opts: { includeRevoked?: boolean } = {}): Promise<ApiToken[]> {
    return (await this.call('listTokens', { include_revoked: opts.includeRevoked || undefined })).tokens ?? []
  }

  /** Revokes the token at once; requests with it are then refused (401). */
  async revoke(id: string): Promise<ApiToken> {
    return (await this.call('revokeToken', { id })).token
  }
}

/** The token client of `client`. */
export function tokensOf(client: RailyardClient): TokensClient {
  return new TokensClient(client)
}
