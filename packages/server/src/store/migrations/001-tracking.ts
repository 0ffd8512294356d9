import { sql, type Kysely } from 'kysely'
import type { DialectCaps } from '../dialects.js'

/** The tracking tables: experiments, runs and what runs log. */
export async function up(db: Kysely<unknown>, caps: DialectCaps): Promise<void> {
  await db.schema
    .createTable('experiments')
    .addColumn('experiment_id', caps.serialType, (c) =>
      caps.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
    )
    .addColumn('name', 'varchar(500)', (c) => c.notNull().unique())
    .addColumn('artifact_location', 'text', (c) => c.notNull())
    .addColumn('lifecycle_stage', 'varchar(32)', (c) => c.notNull())
    .addColumn('creation_time', 'bigint', (c) => c.notNull())
    .addColumn('last_update_time', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('experiment_tags')
    .addColumn('experiment_id', 'integer', (c) => c.notNull().references('experiments.experiment_id').onDelete('cascade'))
    .addColumn('key', 'varchar(250)', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('experiment_tags_pk', ['experiment_id', 'key'])
    .execute()

  await db.schema
    .createTable('runs')
    .addColumn('run_uuid', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(250)', (c) => c.notNull())
    .addColumn('experiment_id', 'integer', (c) => c.notNull().references('experiments.experiment_id').onDelete('cascade'))
    .addColumn('user_id', 'varchar(256)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('start_time', 'bigint', (c) => c.notNull())
    .addColumn('end_time', 'bigint')
    .addColumn('lifecycle_stage', 'varchar(32)', (c) => c.notNull())
    .addColumn('artifact_uri', 'text', (c) => c.notNull())
    .addColumn('deleted_time', 'bigint')
    .execute()
  await db.schema.createIndex('runs_experiment_start').on('runs').columns(['experiment_id', 'start_time']).execute()

  for (const table of ['params', 'tags']) {
    await db.schema
      .createTable(table)
      .addColumn('run_uuid', 'varchar(32)', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
      .addColumn('key', 'varchar(250)', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ['run_uuid', 'key'])
      .execute()
    // Searches filter on key and value across runs.
    await db.schema.createIndex(`${table}_key_value`).on(table).columns(['key', 'value']).execute()
  }

  const metricColumns = (table: string) =>
    db.schema
      .createTable(table)
      .addColumn('run_uuid', 'varchar(32)', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
      .addColumn('key', 'varchar(250)', (c) => c.notNull())
      .addColumn('value', 'double precision', (c) => c.notNull())
      .addColumn('timestamp', 'bigint', (c) => c.notNull())
      .addColumn('step', 'bigint', (c) => c.notNull())
      .addColumn('is_nan', 'smallint', (c) => c.notNull())

  await metricColumns('metrics').execute()
  // One index serves history reads (run, key, step order) and makes a retried batch a no-op.
  await db.schema
    .createIndex('metrics_point')
    .on('metrics')
    .columns(['run_uuid', 'key', 'step', 'timestamp', 'value', 'is_nan'])
    .unique()
    .execute()

  await metricColumns('latest_metrics').addPrimaryKeyConstraint('latest_metrics_pk', ['run_uuid', 'key']).execute()
  await db.schema.createIndex('latest_metrics_key_value').on('latest_metrics').columns(['key', 'value']).execute()

  await db.schema
    .createTable('run_inputs')
    .addColumn('run_uuid', 'varchar(32)', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
    .addColumn('name', 'varchar(500)', (c) => c.notNull())
    .addColumn('digest', 'varchar(36)', (c) => c.notNull())
    .addColumn('source_type', 'varchar(36)', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('schema', 'text')
    .addColumn('profile', 'text')
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo(sql`'[]'`))
    .addPrimaryKeyConstraint('run_inputs_pk', ['run_uuid', 'name', 'digest'])
    .execute()

  await db.schema
    .createTable('run_logs')
    .addColumn('run_uuid', 'varchar(32)', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('stream', 'varchar(8)', (c) => c.notNull())
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('line', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('run_logs_pk', ['run_uuid', 'seq'])
    .execute()
}
