export { saveModel, splitDependency, mlflowTimestamp, RAILYARD_VERSION, type SaveModelOptions, type ModelSource } from './save-model.js'
export { logModel, type LogModelOptions, type LoggedModel, type RunTarget } from './log-model.js'
export { loadModel, downloadModel, type LoadModelOptions, type LoadedModel, type DownloadedModel } from './load-model.js'
export { readManifest, parseManifest, formatManifest, writeManifest, flavorsOf, MANIFEST_FILE } from './manifest.js'
export {
  inferSignature,
  inferSchema,
  formatSignature,
  parseSignature,
  type ModelSignature,
  type Schema,
  type ColSpec,
  type TensorSpec,
  type ParamSpec,
  type DataType,
  type ScalarType,
} from './signature.js'
export { readInputExample, writeInputExample, INPUT_EXAMPLE_FILE } from './input-example.js'
export { loadPredictor, registerFlavor, supportedFlavors, ONNX_FLAVOR_PACKAGE, type FlavorLoader, type LoadPredictorOptions } from './flavors.js'
export {
  ModelLoadError,
  RuntimeMissingError,
  ModelNotFoundError,
  loadFailureReason,
  pathsInModel,
  type ModelErrorDetails,
} from './model-load-error.js'
export { parseModelLocation, type ModelLocation } from './model-uri.js'
export { ModelCache, defaultModelCacheDir } from './model-cache.js'
export {
  ModelRegistryClient,
  registryOf,
  RAILYARD_PREFIX,
  type RegistryResponses,
  type RailyardRegistryResponses,
  type WaitOptions,
} from './registry-client.js'
// The contract's registry and model-format types, so model code needs one import.
export { JS_FLAVOR, ONNX_FLAVOR } from '@railyard/api'
export type {
  AuditAction,
  AuditEntry,
  CodeVersion,
  JsFlavorConfig,
  JsModel,
  JsModelModule,
  LineageSnapshot,
  ModelFile,
  ModelStage,
  ModelVersionComparison,
  ModelVersionFiles,
  ModelVersionLineage,
  ModelVersionStatus,
  OnnxFlavorConfig,
  RegisteredModel,
  RegisteredModelAlias,
} from '@railyard/api'
