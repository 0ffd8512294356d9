import { LIMITS, NotFoundError } from '@railyard/api'
import type { Store } from '../store/store.js'
import type { MetricPoint } from '../store/metrics-repo.js'
import type { LoggedModelPoint } from '../store/logged-models-repo.js'
import { validateLength } from './validation.js'

/** The MLflow 3 fields a logged metric may carry besides its point. */
export interface ModelMetricFields {
  model_id?: string
  dataset_name?: string
  dataset_digest?: string
}

/**
 * The points among `points` that name a logged model (`fields[i]` belongs to `points[i]`), as
 * rows for that model's metric history. Checked before anything is written: dataset lengths are
 * MLflow's, and every named model must exist and not be deleted (RESOURCE_DOES_NOT_EXIST).
 */
export async function modelPointsOf(store: Store, fields: ModelMetricFields[], points: MetricPoint[]): Promise<LoggedModelPoint[]> {
  const out: LoggedModelPoint[] = []
  for (let i = 0; i < fields.length; i++) {
    const { model_id, dataset_name, dataset_digest } = fields[i]
    if (dataset_name) validateLength(dataset_name, LIMITS.datasetNameLength, 'Dataset name')
    if (dataset_digest) validateLength(dataset_digest, LIMITS.datasetDigestLength, 'Dataset digest')
    if (!model_id) continue
    out.push({ ...points[i], modelId: model_id, datasetName: dataset_name || undefined, datasetDigest: dataset_digest || undefined })
  }
  await requireLiveModels(store, out.map((p) => p.modelId))
  return out
}

/** RESOURCE_DOES_NOT_EXIST naming the first of `modelIds` that is absent or deleted. */
export async function requireLiveModels(store: Store, modelIds: string[]): Promise<void> {
  const wanted = [...new Set(modelIds)]
  const live = await store.loggedModels.liveIds(wanted)
  const missing = wanted.find((id) => !live.has(id))
  if (missing !== undefined) throw new NotFoundError(`Logged model with ID '${missing}' not found.`)
}
