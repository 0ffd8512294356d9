import type { Kysely, Selectable } from 'kysely'
import type { Database } from './schema.js'

/** The row type of the table migrations/008-api-tokens.ts creates. */
export interface ApiTokenTable {
  id: string
  token_hash: string
  user_name: string
  role: string
  description: string | null
  created_at: number
  created_by: string
  last_used_at: number | null
  expires_at: number | null
  revoked_at: number | null
}

export type ApiTokenRow = Selectable<ApiTokenTable>

// A type literal, not an interface: Kysely's withTables() needs an index-compatible record.
type TokenTables = { api_tokens: ApiTokenTable }

/** SQL for API tokens; the rules (hashing, roles, expiry) live in services/auth/tokens.ts. */
export class TokensRepo {
  private readonly db: Kysely<Database & TokenTables>

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<TokenTables>()
  }

  async create(row: ApiTokenRow): Promise<void> {
    await this.db.insertInto('api_tokens').values(row).execute()
  }

  async get(id: string): Promise<ApiTokenRow | undefined> {
    return this.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst().then(numeric)
  }

  async byHash(tokenHash: string): Promise<ApiTokenRow | undefined> {
    return this.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst().then(numeric)
  }

  /** Oldest first. */
  async list(includeRevoked: boolean): Promise<ApiTokenRow[]> {
    let q = this.db.selectFrom('api_tokens').selectAll()
    if (!includeRevoked) q = q.where('revoked_at', 'is', null)
    const rows = await q.orderBy('created_at').orderBy('id').execute()
    return rows.map((r) => numeric(r)!)
  }

  /** Sets `revoked_at` unless the token is revoked already. */
  async revoke(id: string, now: number): Promise<void> {
    await this.db.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute()
  }

  async touch(id: string, now: number): Promise<void> {
    await this.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute()
  }
}

/** PostgreSQL returns bigint columns as strings. */
function numeric(r: ApiTokenRow | undefined): ApiTokenRow | undefined {
  if (!r) return r
  const n = (v: number | null) => (v === null ? null : Number(v))
  return { ...r, created_at: Number(r.created_at), last_used_at: n(r.last_used_at), expires_at: n(r.expires_at), revoked_at: n(r.revoked_at) }
}
