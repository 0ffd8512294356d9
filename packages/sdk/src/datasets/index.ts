export { DatasetsClient, type PageOptions, type SnapshotOptions, type ResolveOptions } from './datasets-client.js'
export { DatasetFileList, useDataset, type UseDatasetOptions, type UsedDataset } from './use-dataset.js'
export { type MaterializeOptions, type MaterializeProgress, type MaterializeResult } from './materialize.js'
export { type ManifestHead } from './manifest-stream.js'
export { type SnapshotProgress } from './snapshot-stream.js'
export { type DatasetResponses } from './responses.js'
export {
  DATASET_LIMITS,
  DATASTORE_KINDS,
  type ChangedFile,
  type DatasetDiff,
  type DatasetDiffEntry,
  type DatasetFile,
  type DatasetFreeze,
  type DatasetVersion,
  type Datastore,
  type DatastoreKind,
  type FreezeEvent,
  type ResolveDatasetResponse,
  type SnapshotEvent,
  type VerifyResult,
  type VersionedDataset,
} from '@railyard/api'
