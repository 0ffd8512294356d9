import { Migrator, type Kysely, type Migration } from 'kysely'
import type { DialectCaps } from './dialects.js'
import { MIGRATIONS } from './migrations/index.js'

/** Brings the schema up to date; runs on every start and is a no-op when nothing is pending. */
export async function migrateToLatest(db: Kysely<any>, caps: DialectCaps): Promise<void> {
  const migrations: Record<string, Migration> = {}
  for (const [name, up] of MIGRATIONS) migrations[name] = { up: (tx) => up(tx, caps) }
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'railyard_migrations',
    migrationLockTableName: 'railyard_migrations_lock',
  })
  const { error, results } = await migrator.migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName
    throw new Error(`Database migration ${failed ?? ''} failed: ${(error as Error).message ?? error}`)
  }
}
