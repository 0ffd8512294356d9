import type { Kysely } from 'kysely'
import type { DialectCaps } from '../dialects.js'

/**
 * MLflow 3: a model version registered from a logged model names it (`ModelVersion.model_id`).
 * The column is `logged_model_id` because `model_id` is already the registered model's key here.
 */
export async function up(db: Kysely<unknown>, _caps: DialectCaps): Promise<void> {
  await db.schema.alterTable('model_versions').addColumn('logged_model_id', 'varchar(64)').execute()
}
