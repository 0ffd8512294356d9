import path from 'node:path'
import type { DatasetInput, ModelVersion } from '@railyard/api'
import { parseModelLocation, registryOf, type ModelLocation, type RailyardClient } from '@railyard/sdk'
import type { DatasetVersionRef, VersionTarget } from './served-version.js'

/** Whether the URI can move to another version (an alias, `latest`, a stage) and so is followed. */
export function isMoving(loc: ModelLocation): loc is Extract<ModelLocation, { kind: 'moving' }> {
  return loc.kind === 'moving'
}

/** The alias in `models:/NAME@ALIAS`, if any. */
export function aliasOf(uri: string): string | undefined {
  return /^models:\/[^/@]+@([^/@]+)$/.exec(uri)?.[1]
}

/** The registered version `uri` names right now (one request). */
export async function resolveVersion(client: RailyardClient, uri: string): Promise<ModelVersion> {
  const loc = parseModelLocation(uri)
  const registry = registryOf(client)
  if (loc.kind === 'version') return registry.getVersion(loc.name, loc.version)
  return registry.resolve(uri)
}

/**
 * What to load and report for a registered version being served as `uri`: its name, number, run,
 * and the dataset versions its run used (from the registry's lineage snapshot, else the run's
 * inputs; none when neither can be read, since that must not stop serving).
 */
export async function registeredTarget(client: RailyardClient, uri: string, mv: ModelVersion): Promise<VersionTarget> {
  return {
    loadUri: `models:/${mv.name}/${mv.version}`,
    uri,
    name: mv.name,
    version: String(mv.version),
    runId: mv.run_id || undefined,
    alias: aliasOf(uri),
    datasets: await datasetsOf(client, mv),
  }
}

/** The target for a model that is not in the registry: `runs:/…` or a local directory. */
export async function unregisteredTarget(client: RailyardClient, uri: string, loc: ModelLocation): Promise<VersionTarget> {
  if (loc.kind === 'run') {
    const inputs = await client.runs
      .get(loc.runId)
      .then((run) => run.inputs?.dataset_inputs ?? [])
      .catch(() => [])
    return { loadUri: uri, uri, name: path.posix.basename(loc.path) || 'model', version: `run:${loc.runId}`, runId: loc.runId, datasets: refs(inputs) }
  }
  const dir = loc.kind === 'local' ? loc.dir : uri
  return { loadUri: uri, uri, name: path.basename(dir), version: 'local', datasets: [] }
}

async function datasetsOf(client: RailyardClient, mv: ModelVersion): Promise<DatasetVersionRef[]> {
  try {
    const lineage = await registryOf(client).lineage(mv.name, mv.version)
    return refs(lineage.dataset_inputs ?? [])
  } catch {
    // An MLflow server has no lineage endpoint: ask the run.
  }
  if (!mv.run_id) return []
  try {
    return refs((await client.runs.get(mv.run_id)).inputs?.dataset_inputs ?? [])
  } catch {
    return []
  }
}

function refs(inputs: DatasetInput[]): DatasetVersionRef[] {
  return inputs.map((d) => ({
    name: d.dataset.name,
    digest: d.dataset.digest,
    source_type: d.dataset.source_type || undefined,
    source: d.dataset.source || undefined,
    context: d.tags?.find((t) => t.key === 'mlflow.data.context')?.value,
  }))
}
