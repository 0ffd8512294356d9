import type { Kysely } from 'kysely'
import type { ViewType } from '@railyard/api'
import type { DialectCaps } from './dialects.js'
import type { Database } from './schema.js'
import type { RunRow } from './runs-repo.js'

export interface RunSearchQuery {
  experimentIds: number[]
  /** MLflow filter string, e.g. `metrics.acc > 0.9 AND params.lr = '0.1'`; empty for all. */
  filter?: string
  /** MLflow order_by clauses, e.g. `metrics.acc DESC`. */
  orderBy: string[]
  viewType: ViewType
  offset: number
  /** Rows to return; callers ask one more than the page size to learn whether a next page exists. */
  limit: number
}

/** Finds runs in SQL. Placeholder until the filter compiler lands: no filter, default order. */
export async function searchRunRows(db: Kysely<Database>, _caps: DialectCaps, q: RunSearchQuery): Promise<RunRow[]> {
  if (q.experimentIds.length === 0) return []
  let query = db.selectFrom('runs').selectAll().where('experiment_id', 'in', q.experimentIds)
  if (q.viewType === 'ACTIVE_ONLY') query = query.where('lifecycle_stage', '=', 'active')
  if (q.viewType === 'DELETED_ONLY') query = query.where('lifecycle_stage', '=', 'deleted')
  return query.orderBy('start_time', 'desc').orderBy('run_uuid').offset(q.offset).limit(q.limit).execute()
}
