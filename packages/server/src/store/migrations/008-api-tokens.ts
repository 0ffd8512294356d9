import type { Kysely } from 'kysely'
import type { DialectCaps } from '../dialects.js'

/**
 * API tokens for `railyard server --auth`: only the SHA-256 of each token is kept, so a copy of the
 * database grants nothing. Rows are never deleted; revoking sets `revoked_at`.
 */
export async function up(db: Kysely<unknown>, _caps: DialectCaps): Promise<void> {
  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
    // Hex SHA-256 of the token; requests are matched by it.
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('user_name', 'varchar(256)', (c) => c.notNull())
    .addColumn('role', 'varchar(16)', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'varchar(256)', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('expires_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute()
}
