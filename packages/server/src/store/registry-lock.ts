import type { DialectCaps } from './dialects.js'
import type { RegistryTx } from './registry-audit-repo.js'

/**
 * Serializes writers of one registered model inside a transaction and returns its current row:
 * PostgreSQL locks the row until commit; SQLite needs nothing, as it runs one writer at a time.
 * Version numbers, alias moves and the audit log's "from" values rely on this.
 */
export async function lockModel(tx: RegistryTx, caps: DialectCaps, modelId: number) {
  let q = tx.selectFrom('registered_models').selectAll().where('model_id', '=', modelId)
  if (caps.name === 'postgres') q = q.forUpdate()
  return q.executeTakeFirst()
}
