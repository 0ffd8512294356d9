import { randomUUID } from 'node:crypto'
import fsp from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { InvalidParameterError, JS_FLAVOR, ONNX_FLAVOR, type ModelManifest, type Predictor } from '@railyard/api'
import { MANIFEST_FILE, writeManifest } from './manifest.js'
import { formatSignature, inferSchema, inferSignature, type ModelSignature } from './signature.js'
import { writeInputExample } from './input-example.js'
import { loadPredictor, supportedFlavors } from './flavors.js'
import { RuntimeMissingError } from './model-load-error.js'

/** The SDK's version, recorded in every manifest it writes. */
export const RAILYARD_VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version

/** An object that writes its own model files (code, weights); e.g. a trained classifier. */
export interface ModelSource {
  /**
   * Writes the model's files into `dir` (it exists). May return defaults for the save options
   * (typically `flavor` and `module`); options passed by the caller win.
   */
  writeModelFiles(dir: string): Promise<Partial<SaveModelOptions> | void> | Partial<SaveModelOptions> | void
}

export interface SaveModelOptions {
  /** `railyard_js`, `onnx`, or any other flavor name (its configuration then comes from `flavorConfig`). */
  flavor: string
  /** railyard_js: the module file, relative to the directory. Default `predict.mjs`. */
  module?: string
  /** onnx: the model file, relative to the directory. Default `model.onnx`. */
  data?: string
  /** More configuration of the flavor, merged over what the SDK writes. */
  flavorConfig?: Record<string, unknown>
  /** Parsed, or as MLmodel stores it (JSON strings). Default: inferred from `inputExample`. */
  signature?: ModelSignature | NonNullable<ModelManifest['signature']>
  /** A batch of example inputs, saved as input_example.json. */
  inputExample?: unknown[]
  /**
   * The outputs for `inputExample`, for the inferred signature. Default: the model is loaded and
   * run on the example (a model that cannot predict its own example is not saved).
   */
  outputExample?: unknown[]
  /** Runtime dependencies, e.g. `lodash@^4` for a JS module (written to package.json too). */
  dependencies?: string[]
  metadata?: Record<string, unknown>
  /** The run that logs the model (logModel sets it). */
  runId?: string
  /** The model's path inside the run's artifacts (logModel sets it). */
  artifactPath?: string
  /** Writes the model's files before the manifest is written. */
  model?: ModelSource
}

/**
 * Turns `dir` (created if missing) into a model directory: the model's files must be there, or
 * `opts.model` writes them; then MLmodel, input_example.json and, for railyard_js, a package.json
 * (`type: module`, the npm dependencies) are written. Returns the manifest.
 * InvalidParameterError when the flavor's file is missing or the example cannot describe a signature;
 * ModelLoadError when the model fails to load or to predict its own example.
 */
export async function saveModel(dir: string, options: SaveModelOptions): Promise<ModelManifest> {
  await fsp.mkdir(dir, { recursive: true })
  const defaults = (await options.model?.writeModelFiles(dir)) ?? {}
  const opts = { ...defaults, ...stripUndefined(options) } as SaveModelOptions
  if (!opts.flavor) throw new InvalidParameterError('saveModel needs a flavor (railyard_js, onnx, …)')

  const manifest: ModelManifest = {
    artifact_path: opts.artifactPath,
    run_id: opts.runId,
    model_uuid: randomUUID().replace(/-/g, ''),
    utc_time_created: mlflowTimestamp(new Date()),
    flavors: { [opts.flavor]: { ...(await flavorConfig(dir, opts)), ...opts.flavorConfig } },
    dependencies: opts.dependencies?.length ? opts.dependencies : undefined,
    metadata: opts.metadata,
    railyard_version: RAILYARD_VERSION,
  }
  if (opts.flavor === JS_FLAVOR) await writePackageJson(dir, opts.dependencies ?? [])
  if (opts.inputExample !== undefined) manifest.saved_input_example_info = await writeInputExample(dir, opts.inputExample)
  manifest.model_size_bytes = await sizeOf(dir)
  await writeManifest(dir, manifest)

  const signature = await signatureFor(dir, manifest, opts)
  if (signature) {
    manifest.signature = signature
    await writeManifest(dir, manifest)
  }
  return manifest
}

async function flavorConfig(dir: string, opts: SaveModelOptions): Promise<Record<string, unknown>> {
  if (opts.flavor === JS_FLAVOR) {
    const module = opts.module ?? 'predict.mjs'
    await mustExist(dir, module, `the railyard_js module`)
    return { module, node_version: process.versions.node }
  }
  if (opts.flavor === ONNX_FLAVOR) {
    const data = opts.data ?? 'model.onnx'
    await mustExist(dir, data, 'the onnx model file')
    return { data, providers: ['CPUExecutionProvider'] }
  }
  return {}
}

async function signatureFor(
  dir: string,
  manifest: ModelManifest,
  opts: SaveModelOptions,
): Promise<NonNullable<ModelManifest['signature']> | undefined> {
  if (opts.signature) return 'inputs' in opts.signature && typeof opts.signature.inputs === 'string'
    ? (opts.signature as NonNullable<ModelManifest['signature']>)
    : formatSignature(opts.signature as ModelSignature)
  if (!opts.inputExample) return undefined
  const outputs = opts.outputExample ?? (await predictExample(dir, manifest, opts.inputExample))
  const sig = inferSignature(opts.inputExample)
  if (outputs) sig.outputs = inferSchema(outputs, 'output')
  return formatSignature(sig)
}

/** Runs the saved model on its example; undefined for flavors this process cannot load (no loader, no ONNX runtime). */
async function predictExample(dir: string, manifest: ModelManifest, inputs: unknown[]): Promise<unknown[] | undefined> {
  if (!supportedFlavors().some((f) => f in manifest.flavors)) return undefined
  let predictor: Predictor
  try {
    predictor = await loadPredictor(dir, manifest)
  } catch (err) {
    if (err instanceof RuntimeMissingError) return undefined
    throw err
  }
  try {
    return await predictor.predict(inputs)
  } finally {
    await predictor.close?.()
  }
}

async function mustExist(dir: string, file: string, what: string): Promise<void> {
  if (path.isAbsolute(file) || file.split(/[\\/]/).includes('..')) {
    throw new InvalidParameterError(`${what} '${file}' must be a path inside the model directory`)
  }
  const stat = await fsp.stat(path.join(dir, file)).catch(() => undefined)
  if (!stat?.isFile()) throw new InvalidParameterError(`Cannot save the model: ${what} '${file}' is not in ${dir}`)
}

/** ES module loading for `.js` files, and `npm install` in the model directory installs its dependencies. */
async function writePackageJson(dir: string, dependencies: string[]): Promise<void> {
  const file = path.join(dir, 'package.json')
  if (await fsp.stat(file).catch(() => undefined)) return
  const deps = Object.fromEntries(dependencies.map(splitDependency))
  await fsp.writeFile(file, `${JSON.stringify({ private: true, type: 'module', dependencies: deps }, null, 2)}\n`)
}

/** `name@range` or `@scope/name@range` → [name, range]; a bare name means any version. */
export function splitDependency(dep: string): [string, string] {
  const at = dep.lastIndexOf('@')
  if (at <= 0) return [dep, '*']
  return [dep.slice(0, at), dep.slice(at + 1) || '*']
}

async function sizeOf(dir: string): Promise<number> {
  let total = 0
  for (const entry of await fsp.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || (entry.parentPath === dir && entry.name === MANIFEST_FILE)) continue
    total += (await fsp.stat(path.join(entry.parentPath, entry.name))).size
  }
  return total
}

/** `2026-11-27 03:00:00.000000`, UTC: MLflow's utc_time_created. */
export function mlflowTimestamp(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}.${String(d.getUTCMilliseconds()).padStart(3, '0')}000`
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
