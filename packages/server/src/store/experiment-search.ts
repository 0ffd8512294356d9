import type { Kysely } from 'kysely'
import type { ViewType } from '@railyard/api'
import type { DialectCaps } from './dialects.js'
import type { Database } from './schema.js'
import type { ExperimentRow } from './experiments-repo.js'

export interface ExperimentSearchQuery {
  /** MLflow filter string, e.g. `name LIKE 'tweets%' AND tags.team = 'nlp'`. */
  filter?: string
  orderBy: string[]
  viewType: ViewType
  offset: number
  limit: number
}

/** Finds experiments in SQL. Placeholder until the filter compiler lands: no filter, default order. */
export async function searchExperimentRows(
  db: Kysely<Database>,
  _caps: DialectCaps,
  q: ExperimentSearchQuery,
): Promise<ExperimentRow[]> {
  let query = db.selectFrom('experiments').selectAll()
  if (q.viewType === 'ACTIVE_ONLY') query = query.where('lifecycle_stage', '=', 'active')
  if (q.viewType === 'DELETED_ONLY') query = query.where('lifecycle_stage', '=', 'deleted')
  return query.orderBy('creation_time', 'desc').orderBy('experiment_id').offset(q.offset).limit(q.limit).execute()
}
