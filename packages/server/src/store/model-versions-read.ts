import {
  MODEL_STAGES,
  type ModelStage,
  type ModelVersion,
  type ModelVersionStatus,
  type Tag,
} from '@railyard/api'
import { DELETED_STAGE, type RegistryDb } from './registry-schema.js'
import type { VersionRow } from './model-versions-repo.js'

// Ids per IN list: far below every driver's parameter limit.
const CHUNK = 5000

/** Version rows joined with their model's current name. */
export function selectVersions(db: RegistryDb) {
  return db
    .selectFrom('model_versions as v')
    .innerJoin('registered_models as m', 'm.model_id', 'v.model_id')
    .selectAll('v')
    .select('m.name')
}

/**
 * The newest live version in each stage of each model, ordered by model then stage
 * (None, Staging, Production, Archived); `stages` limits the stages.
 */
export async function latestPerStage(db: RegistryDb, modelIds: number[], stages: ModelStage[] | undefined): Promise<VersionRow[]> {
  if (modelIds.length === 0) return []
  const out: VersionRow[] = []
  for (let i = 0; i < modelIds.length; i += CHUNK) {
    const ids = modelIds.slice(i, i + CHUNK)
    const latest = db
      .selectFrom('model_versions')
      .select(['model_id', 'current_stage'])
      .select((eb) => eb.fn.max('version').as('version'))
      .where('model_id', 'in', ids)
      .where('current_stage', '!=', DELETED_STAGE)
      .groupBy(['model_id', 'current_stage'])
      .as('l')
    let q = selectVersions(db).innerJoin(latest, (j) => j.onRef('l.model_id', '=', 'v.model_id').onRef('l.version', '=', 'v.version'))
    if (stages) q = q.where('v.current_stage', 'in', stages.length ? stages : ['-'])
    out.push(...(await q.execute()))
  }
  const order = (s: string) => MODEL_STAGES.indexOf(s as ModelStage)
  return out.sort((a, b) => a.model_id - b.model_id || order(a.current_stage) - order(b.current_stage))
}

/** Wire versions with tags and aliases, in the order of `rows`. */
export async function hydrateVersions(db: RegistryDb, rows: VersionRow[], opts: { withTags: boolean }): Promise<ModelVersion[]> {
  if (rows.length === 0) return []
  const ids = [...new Set(rows.map((r) => r.model_id))]
  const keyOf = (modelId: number, version: number) => `${modelId}:${version}`
  const tags = new Map<string, Tag[]>()
  const aliases = new Map<string, string[]>()
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK)
    const [tagRows, aliasRows] = await Promise.all([
      opts.withTags
        ? db.selectFrom('model_version_tags').selectAll().where('model_id', 'in', chunk).orderBy('key').execute()
        : Promise.resolve([]),
      db.selectFrom('registered_model_aliases').selectAll().where('model_id', 'in', chunk).orderBy('alias').execute(),
    ])
    for (const t of tagRows) push(tags, keyOf(t.model_id, t.version), { key: t.key, value: t.value })
    for (const a of aliasRows) push(aliases, keyOf(a.model_id, a.version), a.alias)
  }
  return rows.map((r) => ({
    name: r.name,
    version: String(r.version),
    creation_timestamp: Number(r.creation_timestamp),
    last_updated_timestamp: Number(r.last_updated_timestamp),
    user_id: r.user_id ?? undefined,
    current_stage: r.current_stage as ModelStage,
    description: r.description ?? undefined,
    source: r.source,
    run_id: r.run_id ?? undefined,
    status: r.status as ModelVersionStatus,
    status_message: r.status_message ?? undefined,
    tags: tags.get(keyOf(r.model_id, r.version)),
    run_link: r.run_link ?? undefined,
    aliases: aliases.get(keyOf(r.model_id, r.version)),
    model_id: r.logged_model_id ?? undefined,
  }))
}

function push<T>(map: Map<string, T[]>, key: string, item: T): void {
  const list = map.get(key)
  if (list) list.push(item)
  else map.set(key, [item])
}
