import { createHash, randomBytes, randomUUID } from 'node:crypto'
import {
  InvalidParameterError,
  NotFoundError,
  TOKEN_ROLES,
  UnauthenticatedError,
  toInt,
  type ApiToken,
  type TokenRequestOf,
  type TokenRole,
} from '@railyard/api'
import type { Store } from '../store/store.js'
import type { ApiTokenRow } from '../store/tokens-repo.js'

/** A verified caller. */
export interface Identity {
  user: string
  role: TokenRole
}

// last_used_at is written at most this often per token, so verifying stays a read.
const TOUCH_EVERY_MS = 60_000
const USER_LENGTH = 256
// Recognisable in logs and secret scanners; the rest is 256 random bits.
const TOKEN_PREFIX = 'ryt_'

/**
 * API tokens: created with a user and a role, kept only as the SHA-256 of their value, checked on
 * every request when `railyard server --auth` is on. Revoked tokens stay listed (with
 * `include_revoked`) so the audit trail can name them.
 */
export class TokensService {
  private readonly now: () => number

  constructor(
    private readonly store: Store,
    opts: { now?: () => number } = {},
  ) {
    this.now = opts.now ?? Date.now
  }

  /** Makes a token; its value is returned here only. */
  async create(req: TokenRequestOf<'createToken'>, createdBy: string): Promise<{ token: ApiToken; value: string }> {
    const user = validateUser(req.user)
    const role = validateRole(req.role)
    const now = this.now()
    const expiresAt = toInt(req.expires_at)
    if (expiresAt !== undefined && expiresAt <= now) throw new InvalidParameterError('expires_at must be in the future')
    const value = TOKEN_PREFIX + randomBytes(32).toString('base64url')
    const row: ApiTokenRow = {
      id: randomUUID().replace(/-/g, ''),
      token_hash: hashToken(value),
      user_name: user,
      role,
      description: req.description || null,
      created_at: now,
      created_by: createdBy.slice(0, USER_LENGTH),
      last_used_at: null,
      expires_at: expiresAt ?? null,
      revoked_at: null,
    }
    await this.store.tokens.create(row)
    return { token: tokenFromRow(row), value }
  }

  async list(includeRevoked = false): Promise<{ tokens: ApiToken[] }> {
    return { tokens: (await this.store.tokens.list(includeRevoked)).map(tokenFromRow) }
  }

  async revoke(id: string): Promise<{ token: ApiToken }> {
    await this.store.tokens.revoke(id, this.now())
    const row = await this.store.tokens.get(id)
    if (!row) throw new NotFoundError(`Token with id=${id} not found`)
    return { token: tokenFromRow(row) }
  }

  /**
   * The identity a token value stands for. The lookup is by the value's SHA-256, so comparing
   * stored hashes leaks nothing useful through timing. Throws UnauthenticatedError for an unknown,
   * revoked or expired token, or a Basic user name that is not the token's.
   */
  async verify(value: string, claimedUser?: string): Promise<Identity> {
    const row = await this.store.tokens.byHash(hashToken(value))
    const now = this.now()
    if (!row || row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= now)) {
      throw new UnauthenticatedError('The token is unknown, revoked or expired')
    }
    if (claimedUser !== undefined && claimedUser !== row.user_name) {
      throw new UnauthenticatedError('The user name does not match the token')
    }
    if (row.last_used_at === null || now - row.last_used_at >= TOUCH_EVERY_MS) await this.store.tokens.touch(row.id, now)
    return { user: row.user_name, role: row.role as TokenRole }
  }
}

export function hashToken(value: string): string {
  return createHash('sha256').update(value).digest('hex')
}

function validateUser(user: string): string {
  const trimmed = user.trim()
  // Basic authentication splits user:password at the first colon.
  if (!trimmed || trimmed.length > USER_LENGTH || trimmed.includes(':') || /[\x00-\x1f]/.test(trimmed)) {
    throw new InvalidParameterError(`A token's user must be 1 to ${USER_LENGTH} characters, without ':' or control characters`)
  }
  return trimmed
}

function validateRole(role: string): TokenRole {
  if (!(TOKEN_ROLES as readonly string[]).includes(role)) {
    throw new InvalidParameterError(`role must be one of ${TOKEN_ROLES.join(', ')}, got '${role}'`)
  }
  return role as TokenRole
}

function tokenFromRow(r: ApiTokenRow): ApiToken {
  return {
    id: r.id,
    user: r.user_name,
    role: r.role as TokenRole,
    description: r.description ?? undefined,
    created_at: r.created_at,
    created_by: r.created_by,
    last_used_at: r.last_used_at ?? undefined,
    expires_at: r.expires_at ?? undefined,
    revoked_at: r.revoked_at ?? undefined,
  }
}
