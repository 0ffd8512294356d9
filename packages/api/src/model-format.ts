/**
 * The model directory format, compatible with MLflow's: a folder with an `MLmodel` YAML manifest
 * plus the files its flavors name. Railyard writes and reads it; models logged by MLflow clients
 * are read the same way (unknown flavors are listed, not loaded).
 *
 *   model/
 *     MLmodel              manifest (below), YAML with sorted keys, as MLflow writes it
 *     input_example.json   optional: an example input, used to check a model before serving it
 *     package.json         railyard_js only: `type: module` and the npm dependencies
 *     …                    flavor files (e.g. predict.mjs for railyard_js, model.onnx for onnx)
 *
 * Fields a reader does not know (MLflow adds new ones now and then) are kept when a manifest is
 * read and written back.
 */
export interface ModelManifest {
  /** Path of the model inside its run's artifacts, e.g. `model`. */
  artifact_path?: string
  /** The run that logged the model. */
  run_id?: string
  /** 32 lowercase hex digits, new for every save. */
  model_uuid?: string
  /** UTC, e.g. `2026-11-27 03:00:00.000000` (MLflow's format). */
  utc_time_created?: string
  /** Flavor name → its configuration (JsFlavorConfig, OnnxFlavorConfig, or MLflow's own). */
  flavors: Record<string, Record<string, unknown>>
  /**
   * MLflow model signature: `inputs`/`outputs` are JSON strings of column specs
   * (`[{"type": "string", "name": "text", "required": true}]`) or tensor specs
   * (`[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}}]`).
   */
  signature?: { inputs?: string; outputs?: string; params?: string | null }
  /**
   * Where the input example is and how it is encoded: `type` is `dataframe` (with `pandas_orient`
   * `split` or `records`), `ndarray` (with `format: tf-serving`, `{"inputs": …}`) or `json_object`.
   */
  saved_input_example_info?: { artifact_path: string; type?: string; format?: string; pandas_orient?: string }
  /** Runtime dependencies (npm packages for JS flavors, pip requirements for Python ones). */
  dependencies?: string[]
  /** Total bytes of the model's files, as MLflow records it. */
  model_size_bytes?: number
  /** Free-form user metadata (MLflow's `metadata`). */
  metadata?: Record<string, unknown>
  mlflow_version?: string
  railyard_version?: string
}

/** The JavaScript module flavor: `module` exports `load(dir)` resolving to a Predictor-like object. */
export const JS_FLAVOR = 'railyard_js'
/** MLflow's ONNX flavor: `data` names the .onnx file. Served with onnxruntime-node when installed. */
export const ONNX_FLAVOR = 'onnx'

/** `flavors.railyard_js` in MLmodel. */
export interface JsFlavorConfig {
  /** The module file, relative to the model directory (an ES module: `.mjs`, or `.js` with package.json `type: module`). */
  module: string
  /** Node.js version that saved the model. */
  node_version?: string
}

/** `flavors.onnx` in MLmodel (MLflow's fields). */
export interface OnnxFlavorConfig {
  /** The .onnx file, relative to the model directory. */
  data: string
  onnx_version?: string
  /** Execution providers, in order of preference; Railyard uses the CPU provider. */
  providers?: string[]
}

/**
 * What a railyard_js module exports. `load` receives the absolute path of the model directory (to
 * read its weights) and may be async; so may `predict`, which gets a batch and returns one output
 * per input, in order.
 */
export interface JsModelModule {
  load(dir: string): JsModel | Promise<JsModel>
}

export interface JsModel {
  predict(inputs: unknown[]): unknown[] | Promise<unknown[]>
  close?(): void | Promise<void>
}

/** A loaded model, whatever its flavor. */
export interface Predictor {
  readonly manifest: ModelManifest
  /** Predicts for a batch of inputs (records, tensors or plain values); one output per input. */
  predict(inputs: unknown[]): Promise<unknown[]>
  /** Frees native resources (ONNX sessions). */
  close?(): Promise<void>
}
