import type { Kysely } from 'kysely'
import type { DialectCaps } from '../dialects.js'

/**
 * MLflow 3's logged models: the model itself (files under its own artifact location), its tags
 * and write-once params, the metric points logged for it, and which runs used or produced it.
 * Deleting a model only marks it (lifecycle_stage), as MLflow does, so nothing cascades from it in
 * practice; deleting an experiment (hard, by a future gc) takes its models along.
 */
export async function up(db: Kysely<unknown>, _caps: DialectCaps): Promise<void> {
  await db.schema
    .createTable('logged_models')
    .addColumn('model_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('experiment_id', 'integer', (c) => c.notNull().references('experiments.experiment_id').onDelete('cascade'))
    .addColumn('name', 'varchar(500)', (c) => c.notNull())
    .addColumn('artifact_location', 'text', (c) => c.notNull())
    .addColumn('creation_timestamp_ms', 'bigint', (c) => c.notNull())
    .addColumn('last_updated_timestamp_ms', 'bigint', (c) => c.notNull())
    // The LoggedModelStatus name, e.g. LOGGED_MODEL_READY.
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('status_message', 'text')
    .addColumn('lifecycle_stage', 'varchar(32)', (c) => c.notNull())
    .addColumn('model_type', 'varchar(500)')
    .addColumn('source_run_id', 'varchar(32)')
    .execute()
  // The default order of a search: newest first within the searched experiments.
  await db.schema
    .createIndex('logged_models_experiment_created')
    .on('logged_models')
    .columns(['experiment_id', 'creation_timestamp_ms'])
    .execute()

  for (const table of ['logged_model_tags', 'logged_model_params']) {
    await db.schema
      .createTable(table)
      .addColumn('model_id', 'varchar(64)', (c) => c.notNull().references('logged_models.model_id').onDelete('cascade'))
      .addColumn('key', 'varchar(250)', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ['model_id', 'key'])
      .execute()
  }

  // Full history of the points logged with a model_id (they are also run metrics). NaN is value 0
  // with is_nan 1 and an absent dataset is '' (not NULL), so the unique index drops retried points.
  await db.schema
    .createTable('logged_model_metrics')
    .addColumn('model_id', 'varchar(64)', (c) => c.notNull().references('logged_models.model_id').onDelete('cascade'))
    .addColumn('key', 'varchar(250)', (c) => c.notNull())
    .addColumn('value', 'double precision', (c) => c.notNull())
    .addColumn('is_nan', 'smallint', (c) => c.notNull())
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('step', 'bigint', (c) => c.notNull())
    .addColumn('run_uuid', 'varchar(32)', (c) => c.notNull())
    .addColumn('experiment_id', 'integer', (c) => c.notNull())
    .addColumn('dataset_name', 'varchar(500)', (c) => c.notNull())
    .addColumn('dataset_digest', 'varchar(36)', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('logged_model_metrics_point')
    .on('logged_model_metrics')
    .columns(['model_id', 'key', 'timestamp', 'step', 'run_uuid', 'value', 'is_nan', 'dataset_name', 'dataset_digest'])
    .unique()
    .execute()

  // Run ↔ model links: `input` (LogInputs.models, step 0) and `output` (LogOutputs, with its step).
  await db.schema
    .createTable('run_model_links')
    .addColumn('run_uuid', 'varchar(32)', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
    .addColumn('direction', 'varchar(8)', (c) => c.notNull())
    .addColumn('model_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('step', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('run_model_links_pk', ['run_uuid', 'direction', 'model_id', 'step'])
    .execute()
}
