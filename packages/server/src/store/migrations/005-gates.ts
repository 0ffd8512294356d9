import type { Kysely } from 'kysely'
import type { DialectCaps } from '../dialects.js'

/**
 * Continuous delivery: gate results recorded on candidate versions (append-only), and what the
 * deploy and rollback endpoints add to the registry's audit log about the alias moves they make.
 */
export async function up(db: Kysely<unknown>, caps: DialectCaps): Promise<void> {
  await db.schema
    .createTable('gate_results')
    .addColumn('id', caps.serialType, (c) => (caps.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
    // A result belongs to its model: deleting the model deletes its results.
    .addColumn('model_id', 'integer', (c) => c.notNull().references('registered_models.model_id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('against_alias', 'varchar(255)', (c) => c.notNull())
    // The version the alias pointed to when the gate ran; null for a first deployment.
    .addColumn('champion_version', 'integer')
    .addColumn('verdict', 'varchar(16)', (c) => c.notNull())
    .addColumn('summary', 'text')
    // JSON of the gate's full result.
    .addColumn('report', 'text')
    .addColumn('markdown', 'text')
    .addColumn('who', 'varchar(256)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('gate_results_version').on('gate_results').columns(['model_id', 'version', 'against_alias', 'id']).execute()

  // One row per alias move made by deploy or rollback, keyed by the audit entry of that move (no
  // foreign key, like the audit log itself: the history outlives the models it describes).
  await db.schema
    .createTable('deployment_moves')
    .addColumn('audit_id', 'integer', (c) => c.primaryKey())
    .addColumn('model_id', 'integer', (c) => c.notNull())
    .addColumn('alias', 'varchar(255)', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('gate_id', 'integer')
    .execute()
  await db.schema.createIndex('deployment_moves_model').on('deployment_moves').columns(['model_id', 'alias']).execute()
}
