/**
 * The model directory format, compatible with MLflow's: a folder with an `MLmodel` YAML manifest
 * plus the files its flavors name. Railyard writes and reads it; models logged by MLflow clients
 * are read the same way (unknown flavors are listed, not loaded).
 *
 *   model/
 *     MLmodel              manifest (below), YAML
 *     input_example.json   optional: an example input, used to check a model before serving it
 *     …                    flavor files (e.g. predict.mjs for railyard_js, model.onnx for onnx)
 */
export interface ModelManifest {
  /** Path of the model inside its run's artifacts, e.g. `model`. */
  artifact_path?: string
  /** The run that logged the model. */
  run_id?: string
  model_uuid?: string
  /** e.g. `2026-11-27 03:00:00.000000` (MLflow's format). */
  utc_time_created?: string
  /** Flavor name → its configuration. */
  flavors: Record<string, Record<string, unknown>>
  /** MLflow model signature: `inputs`/`outputs` are JSON strings of column or tensor specs. */
  signature?: { inputs?: string; outputs?: string; params?: string }
  saved_input_example_info?: { artifact_path: string; type?: string; format?: string }
  /** Runtime dependencies (npm packages for JS flavors, pip requirements for Python ones). */
  dependencies?: string[]
  mlflow_version?: string
  railyard_version?: string
}

/** The JavaScript module flavor: `module` exports `load(dir)` resolving to a Predictor-like object. */
export const JS_FLAVOR = 'railyard_js'
/** MLflow's ONNX flavor: `data` names the .onnx file. Served with onnxruntime-node when installed. */
export const ONNX_FLAVOR = 'onnx'

/** A loaded model, whatever its flavor. */
export interface Predictor {
  readonly manifest: ModelManifest
  /** Predicts for a batch of inputs (records, tensors or plain values); one output per input. */
  predict(inputs: unknown[]): Promise<unknown[]>
  /** Frees native resources (ONNX sessions). */
  close?(): Promise<void>
}
