import type {
  DatasetDiff,
  DatasetFile,
  DatasetFreeze,
  DatasetVersion,
  Datastore,
  FreezeEvent,
  VersionedDataset,
} from '@railyard/api'
import { railyard, urlOf } from './client.js'
import { datasetRoutes as routes } from './routes.js'

/** Data versioning reads: datasets, their versions and files, diffs and experiment freezes. */

export async function listDatasets(): Promise<VersionedDataset[]> {
  return (await railyard<{ datasets?: VersionedDataset[] }>(routes.listDatasets, { max_results: 1000 })).datasets ?? []
}

export async function getDataset(name: string): Promise<VersionedDataset> {
  return (await railyard<{ dataset: VersionedDataset }>(routes.getDataset, { name })).dataset
}

export async function getDatastore(name: string): Promise<Datastore> {
  return (await railyard<{ datastore: Datastore }>(routes.getDatastore, { name })).datastore
}

/** Newest first. */
export async function listVersions(name: string): Promise<DatasetVersion[]> {
  return (await railyard<{ versions?: DatasetVersion[] }>(routes.listDatasetVersions, { name, max_results: 1000 })).versions ?? []
}

export async function getVersion(name: string, version: string): Promise<DatasetVersion> {
  return (await railyard<{ version: DatasetVersion }>(routes.getDatasetVersion, { name, version })).version
}

export interface FilePage {
  files: DatasetFile[]
  nextPageToken?: string
}

export async function listFiles(name: string, version: string, pageToken?: string, prefix?: string): Promise<FilePage> {
  const res = await railyard<{ files?: DatasetFile[]; next_page_token?: string }>(routes.listDatasetFiles, {
    name,
    version,
    prefix: prefix || undefined,
    page_token: pageToken,
    max_results: 500,
  })
  return { files: res.files ?? [], nextPageToken: res.next_page_token }
}

export function fileUrl(name: string, version: string, path: string): string {
  return urlOf('railyard', routes.readDatasetFile, { name, version, path })
}

export function diffVersions(name: string, from: string, to: string, pageToken?: string): Promise<DatasetDiff> {
  return railyard<DatasetDiff>(routes.diffDatasetVersions, { name, from, to, page_token: pageToken, max_results: 1000 })
}

export async function experimentFreezes(experimentId: string, dataset?: string): Promise<DatasetFreeze[]> {
  return (await railyard<{ freezes?: DatasetFreeze[] }>(routes.listDatasetFreezes, { experiment_id: experimentId, dataset })).freezes ?? []
}

export async function freezeHistory(experimentId: string, dataset?: string): Promise<FreezeEvent[]> {
  const res = await railyard<{ events?: FreezeEvent[] }>(routes.getDatasetFreezeHistory, {
    experiment_id: experimentId,
    dataset,
    max_results: 1000,
  })
  return res.events ?? []
}

/** Which experiments froze which version of `dataset` (active experiments), newest freeze first. */
export async function freezesOfDataset(dataset: string): Promise<DatasetFreeze[]> {
  const res = await railyard<{ freezes?: DatasetFreeze[] }>(routes.listDatasetFreezes, { dataset })
  return (res.freezes ?? []).sort((a, b) => b.frozen_at - a.frozen_at)
}
