import type {
  DatasetDiff,
  DatasetEndpoints,
  DatasetResponse,
  DatastoreResponse,
  DatasetVersionResponse,
  FreezeHistoryResponse,
  ListDatasetFilesResponse,
  ListDatasetFreezesResponse,
  ListDatasetsResponse,
  ListDatasetVersionsResponse,
  ListDatastoresResponse,
  RefreshDatasetFreezeResponse,
  ResolveDatasetResponse,
  SnapshotResponse,
  VerifyResult,
} from '@railyard/api'

/**
 * What each data versioning endpoint answers as JSON. The streamed endpoints (snapshot
 * progress, manifest, file bytes) are read by their own helpers; `never` marks them here.
 */
export interface DatasetResponses {
  createDatastore: DatastoreResponse
  getDatastore: DatastoreResponse
  listDatastores: ListDatastoresResponse
  deleteDatastore: Record<string, never>
  deleteDataset: Record<string, never>
  createDataset: DatasetResponse
  getDataset: DatasetResponse
  listDatasets: ListDatasetsResponse
  snapshotDataset: SnapshotResponse
  getDatasetVersion: DatasetVersionResponse
  listDatasetVersions: ListDatasetVersionsResponse
  diffDatasetVersions: DatasetDiff
  listDatasetFiles: ListDatasetFilesResponse
  streamDatasetFiles: never
  readDatasetFile: never
  readDatasetFiles: never
  verifyDatasetVersion: VerifyResult
  resolveDataset: ResolveDatasetResponse
  refreshDatasetFreeze: RefreshDatasetFreezeResponse
  listDatasetFreezes: ListDatasetFreezesResponse
  getDatasetFreezeHistory: FreezeHistoryResponse
}

// Fails to compile when an endpoint is added to api/ without a response type here.
type Unanswered = Exclude<keyof DatasetEndpoints, keyof DatasetResponses>
export const datasetResponsesCoverEveryEndpoint: [Unanswered] extends [never] ? true : Unanswered = true
