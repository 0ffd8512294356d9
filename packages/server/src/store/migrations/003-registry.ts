import type { Kysely } from 'kysely'
import type { DialectCaps } from '../dialects.js'

/**
 * The model registry: registered models, their versions, tags and aliases, the append-only audit
 * log, and webhooks with their deliveries. Models have a surrogate id so a rename touches one row.
 */
export async function up(db: Kysely<unknown>, caps: DialectCaps): Promise<void> {
  await db.schema
    .createTable('registered_models')
    .addColumn('model_id', caps.serialType, (c) => (caps.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn('name', 'varchar(256)', (c) => c.notNull().unique())
    .addColumn('description', 'text')
    .addColumn('creation_timestamp', 'bigint', (c) => c.notNull())
    .addColumn('last_updated_timestamp', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('registered_model_tags')
    .addColumn('model_id', 'integer', (c) => c.notNull().references('registered_models.model_id').onDelete('cascade'))
    .addColumn('key', 'varchar(250)', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('registered_model_tags_pk', ['model_id', 'key'])
    .execute()

  // A deleted version keeps its row (current_stage 'Deleted_Internal', as in MLflow) so its number
  // is never reused and the audit log can still name it.
  await db.schema
    .createTable('model_versions')
    .addColumn('model_id', 'integer', (c) => c.notNull().references('registered_models.model_id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('run_id', 'varchar(32)')
    .addColumn('run_link', 'text')
    .addColumn('description', 'text')
    .addColumn('user_id', 'varchar(256)')
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('status_message', 'text')
    .addColumn('current_stage', 'varchar(32)', (c) => c.notNull())
    // The tree id of the version's immutable copy of its files; null until registration finishes.
    .addColumn('storage_location', 'varchar(80)')
    .addColumn('creation_timestamp', 'bigint', (c) => c.notNull())
    .addColumn('last_updated_timestamp', 'bigint', (c) => c.notNull())
    // JSON: run, experiment, commit, params, metrics and dataset inputs as they were at registration.
    .addColumn('lineage', 'text')
    .addPrimaryKeyConstraint('model_versions_pk', ['model_id', 'version'])
    .execute()
  await db.schema.createIndex('model_versions_run_id').on('model_versions').column('run_id').execute()

  await db.schema
    .createTable('model_version_tags')
    .addColumn('model_id', 'integer', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('key', 'varchar(250)', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('model_version_tags_pk', ['model_id', 'version', 'key'])
    .addForeignKeyConstraint('model_version_tags_version_fk', ['model_id', 'version'], 'model_versions', ['model_id', 'version'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute()

  await db.schema
    .createTable('registered_model_aliases')
    .addColumn('model_id', 'integer', (c) => c.notNull())
    .addColumn('alias', 'varchar(255)', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('registered_model_aliases_pk', ['model_id', 'alias'])
    .addForeignKeyConstraint('registered_model_aliases_version_fk', ['model_id', 'version'], 'model_versions', ['model_id', 'version'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute()

  // Append-only and without foreign keys: the history outlives the models it describes.
  await db.schema
    .createTable('audit_log')
    .addColumn('id', caps.serialType, (c) => (caps.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn('model_id', 'integer', (c) => c.notNull())
    .addColumn('model_name', 'varchar(256)', (c) => c.notNull())
    .addColumn('version', 'integer')
    .addColumn('action', 'varchar(64)', (c) => c.notNull())
    .addColumn('subject', 'varchar(255)')
    .addColumn('from_value', 'text')
    .addColumn('to_value', 'text')
    .addColumn('who', 'varchar(256)', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('audit_log_model').on('audit_log').columns(['model_id', 'id']).execute()
  await db.schema.createIndex('audit_log_model_name').on('audit_log').columns(['model_name', 'id']).execute()

  await db.schema
    .createTable('webhooks')
    .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    // JSON array of event names.
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('active', 'smallint', (c) => c.notNull().defaultTo(1))
    .addColumn('creation_timestamp', 'bigint', (c) => c.notNull())
    .addColumn('last_updated_timestamp', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('webhook_id', 'varchar(32)', (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
    .addColumn('event', 'varchar(64)', (c) => c.notNull())
    // The exact bytes sent (and signed) on every attempt.
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint')
    // A sender holds a delivery until this time, so two server processes never send it at once.
    .addColumn('claimed_until', 'bigint')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('delivered_at', 'bigint')
    .execute()
  await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute()
  await db.schema
    .createIndex('webhook_deliveries_hook')
    .on('webhook_deliveries')
    .columns(['webhook_id', 'created_at'])
    .execute()
}
