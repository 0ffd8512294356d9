import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely'
import type { DialectCaps } from '../dialects.js'

/**
 * Data versioning: datastores (where data lives), datasets (a selection in a datastore, or a SQL
 * query), their versions (a manifest object in the object store, named by its hash; only counts
 * and sizes live here), the stat cache that lets a re-snapshot skip unchanged files, and the
 * experiment freezes with their append-only history.
 */
export async function up(db: Kysely<unknown>, caps: DialectCaps): Promise<void> {
  const serial = (c: ColumnDefinitionBuilder) => (caps.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey())

  await db.schema
    .createTable('datastores')
    .addColumn('datastore_id', caps.serialType, serial)
    .addColumn('name', 'varchar(256)', (c) => c.notNull().unique())
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    // JSON: DatastoreConfig, never a secret.
    .addColumn('config', 'text', (c) => c.notNull())
    // JSON: env var names, a secrets file path, or AES-GCM ciphertext under the server key.
    .addColumn('credentials', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('created_by', 'varchar(256)')
    .addColumn('creation_timestamp', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('datasets')
    .addColumn('dataset_id', caps.serialType, serial)
    .addColumn('name', 'varchar(256)', (c) => c.notNull().unique())
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    // No cascade: a datastore with datasets cannot be deleted.
    .addColumn('datastore_id', 'integer', (c) => c.references('datastores.datastore_id'))
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('glob', 'text')
    // JSON arrays of globs.
    .addColumn('include', 'text', (c) => c.notNull())
    .addColumn('exclude', 'text', (c) => c.notNull())
    // JSON TableSource for table datasets.
    .addColumn('table_source', 'text')
    .addColumn('description', 'text')
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('created_by', 'varchar(256)')
    .addColumn('creation_timestamp', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('datasets_datastore').on('datasets').column('datastore_id').execute()

  await db.schema
    .createTable('dataset_versions')
    .addColumn('dataset_id', 'integer', (c) => c.notNull().references('datasets.dataset_id').onDelete('cascade'))
    // sha256:<64 hex> of the manifest object; the same files give the same id.
    .addColumn('version_id', 'varchar(71)', (c) => c.notNull())
    .addColumn('file_count', 'bigint', (c) => c.notNull())
    .addColumn('total_bytes', 'bigint', (c) => c.notNull())
    .addColumn('manifest_bytes', 'bigint', (c) => c.notNull())
    // Sparse index of the manifest (every Nth path and its byte offset): seeks without a full scan.
    .addColumn('index_oid', 'varchar(71)', (c) => c.notNull())
    .addColumn('pinned', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('row_count', 'bigint')
    .addColumn('table_digest', 'varchar(71)')
    .addColumn('message', 'text')
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('created_by', 'varchar(256)')
    .addColumn('creation_timestamp', 'bigint', (c) => c.notNull())
    // A re-snapshot that finds the same files reuses the version and moves this: "latest" is the
    // version the newest snapshot found, even when the files went back to an older state.
    .addColumn('last_taken_timestamp', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('dataset_versions_pk', ['dataset_id', 'version_id'])
    .execute()
  await db.schema.createIndex('dataset_versions_created').on('dataset_versions').columns(['dataset_id', 'creation_timestamp']).execute()

  // The hash of a file seen at (path, size, marker); a hit means the file is not read again.
  await db.schema
    .createTable('dataset_stat_cache')
    .addColumn('datastore_id', 'integer', (c) => c.notNull().references('datastores.datastore_id').onDelete('cascade'))
    // Byte order on both dialects (SQLite compares text bytewise already), so a key range of the
    // index is exactly the range of a sorted listing page.
    .addColumn('path', 'varchar(1024)', (c) => (caps.name === 'postgres' ? c.notNull().modifyFront(sql`COLLATE "C"`) : c.notNull()))
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('marker', 'varchar(512)', (c) => c.notNull())
    .addColumn('oid', 'varchar(71)', (c) => c.notNull())
    .addPrimaryKeyConstraint('dataset_stat_cache_pk', ['datastore_id', 'path'])
    .execute()

  // One row per (experiment, dataset): the primary key makes two parallel first runs agree.
  await db.schema
    .createTable('dataset_freezes')
    .addColumn('experiment_id', 'integer', (c) => c.notNull())
    .addColumn('dataset_id', 'integer', (c) => c.notNull().references('datasets.dataset_id').onDelete('cascade'))
    .addColumn('version_id', 'varchar(71)', (c) => c.notNull())
    .addColumn('frozen_at', 'bigint', (c) => c.notNull())
    .addColumn('frozen_by', 'varchar(256)')
    .addColumn('run_id', 'varchar(32)')
    .addPrimaryKeyConstraint('dataset_freezes_pk', ['experiment_id', 'dataset_id'])
    .execute()

  // Append-only, no foreign keys: the history outlives what it describes.
  await db.schema
    .createTable('dataset_freeze_events')
    .addColumn('id', caps.serialType, serial)
    .addColumn('experiment_id', 'integer', (c) => c.notNull())
    .addColumn('dataset_id', 'integer', (c) => c.notNull())
    .addColumn('dataset_name', 'varchar(256)', (c) => c.notNull())
    .addColumn('action', 'varchar(16)', (c) => c.notNull())
    .addColumn('from_version', 'varchar(71)')
    .addColumn('to_version', 'varchar(71)', (c) => c.notNull())
    .addColumn('who', 'varchar(256)')
    .addColumn('reason', 'text')
    .addColumn('run_id', 'varchar(32)')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('dataset_freeze_events_exp')
    .on('dataset_freeze_events')
    .columns(['experiment_id', 'id'])
    .execute()
}
