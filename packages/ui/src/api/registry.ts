import type {
  AuditEntry,
  Deployment,
  GateResult,
  ModelVersion,
  ModelVersionComparison,
  ModelVersionFiles,
  ModelVersionLineage,
  RegisteredModel,
} from '@railyard/api'
import { mlflow, railyard, urlOf } from './client.js'
import { cdRoutes, railyardRegistryRoutes as extras, registryRoutes as routes } from './routes.js'

/** The model registry, continuous delivery and audit reads the UI needs. */

export async function searchModels(filter?: string): Promise<RegisteredModel[]> {
  const res = await mlflow<{ registered_models?: RegisteredModel[] }>(routes.searchRegisteredModels, {
    filter: filter || undefined,
    max_results: 1000,
  })
  return res.registered_models ?? []
}

export async function getModel(name: string): Promise<RegisteredModel> {
  return (await mlflow<{ registered_model: RegisteredModel }>(routes.getRegisteredModel, { name })).registered_model
}

/** Every version of a model, newest first. */
export async function modelVersions(name: string): Promise<ModelVersion[]> {
  const res = await mlflow<{ model_versions?: ModelVersion[] }>(routes.searchModelVersions, {
    filter: `name = '${name.replace(/'/g, "\\'")}'`,
    max_results: 10_000,
  })
  return (res.model_versions ?? []).sort((a, b) => Number(b.version) - Number(a.version))
}

/** The versions registered from one run (any model). */
export async function versionsOfRun(runId: string): Promise<ModelVersion[]> {
  const res = await mlflow<{ model_versions?: ModelVersion[] }>(routes.searchModelVersions, {
    filter: `run_id = '${runId.replace(/'/g, "\\'")}'`,
    max_results: 1000,
  })
  return res.model_versions ?? []
}

export async function getVersion(name: string, version: string): Promise<ModelVersion> {
  return (await mlflow<{ model_version: ModelVersion }>(routes.getModelVersion, { name, version })).model_version
}

export function lineage(name: string, version: string): Promise<ModelVersionLineage> {
  return railyard<ModelVersionLineage>(extras.getModelVersionLineage, { name, version })
}

/** `base` is version_a, `candidate` version_b: deltas are candidate − base. */
export function compareVersions(name: string, base: string, candidate: string): Promise<ModelVersionComparison> {
  return railyard<ModelVersionComparison>(extras.compareModelVersions, { name, version_a: base, version_b: candidate })
}

export function versionFiles(name: string, version: string): Promise<ModelVersionFiles> {
  return railyard<ModelVersionFiles>(extras.listModelVersionFiles, { name, version })
}

export function versionFileUrl(name: string, version: string, path: string): string {
  return urlOf('railyard', extras.getModelVersionFile, { name, version, path })
}

/** The audit log, newest first (the server answers oldest first). */
export async function audit(name: string): Promise<AuditEntry[]> {
  const res = await railyard<{ entries?: AuditEntry[] }>(extras.getRegisteredModelAudit, { name, max_results: 10_000 })
  return (res.entries ?? []).reverse()
}

export async function gateResults(name: string, version?: string): Promise<GateResult[]> {
  const res = await railyard<{ gate_results?: GateResult[] }>(cdRoutes.listGateResults, { name, version, max_results: 1000 })
  return res.gate_results ?? []
}

export async function gateResult(id: string): Promise<GateResult> {
  return (await railyard<{ gate_result: GateResult }>(cdRoutes.getGateResult, { id })).gate_result
}

export async function deployments(name: string): Promise<Deployment[]> {
  const res = await railyard<{ deployments?: Deployment[] }>(cdRoutes.listDeployments, { name, max_results: 1000 })
  return res.deployments ?? []
}
