import { JS_FLAVOR, ONNX_FLAVOR, type ModelManifest, type Predictor } from '@railyard/api'
import { loadJsModel } from './js-flavor.js'
import { MANIFEST_FILE } from './manifest.js'
import { ModelLoadError, placeLoadError, RuntimeMissingError } from './model-load-error.js'

/**
 * Loads a model directory of one flavor; `dir` is absolute and `manifest` its MLmodel. Throw a
 * ModelLoadError with `reason` and `dir` (loadPredictor names the model in its message and writes
 * paths inside `dir` from the model's root); any other error is wrapped in one.
 */
export type FlavorLoader = (dir: string, manifest: ModelManifest) => Promise<Predictor>

/** The package that holds the ONNX flavor; optional because onnxruntime-node is about 290 MB. */
export const ONNX_FLAVOR_PACKAGE = '@railyard/flavor-onnx'

const loaders = new Map<string, FlavorLoader>([
  [JS_FLAVOR, loadJsModel],
  [ONNX_FLAVOR, loadOnnxModel],
])

/** Adds (or replaces) the loader of a flavor, for flavors that live outside the SDK. */
export function registerFlavor(name: string, loader: FlavorLoader): void {
  loaders.set(name, loader)
}

/** The flavors this process can load, in order of preference. */
export function supportedFlavors(): string[] {
  return [...loaders.keys()]
}

export interface LoadPredictorOptions {
  /**
   * How error messages name the model, e.g. `tweets version 3` (`Cannot load tweets version 3: …`).
   * Default: `the model at <dir>`.
   */
  description?: string
}

/**
 * Loads the model with the first flavor of its manifest that has a loader, in the SDK's order of
 * preference. ModelLoadError when none of its flavors can be loaded here (naming the flavors it
 * has), or when loading fails; RuntimeMissingError (a ModelLoadError) when the flavor's runtime
 * package is not installed. A ModelLoadError's message names the model by `description`, and
 * files inside `dir` by their path from the model's root (also in what the model's code threw).
 */
export async function loadPredictor(dir: string, manifest: ModelManifest, opts: LoadPredictorOptions = {}): Promise<Predictor> {
  const at = { dir, model: opts.description ?? `the model at ${dir}` }
  const present = Object.keys(manifest.flavors)
  const flavor = supportedFlavors().find((f) => present.includes(f))
  if (!flavor) {
    throw new ModelLoadError({
      reason: `it has flavor${present.length === 1 ? '' : 's'} ${present.join(', ')}; this SDK loads ${supportedFlavors().join(', ')}`,
      ...at,
      file: MANIFEST_FILE,
    })
  }
  try {
    return await loaders.get(flavor)!(dir, manifest)
  } catch (err) {
    throw placeLoadError(err, at)
  }
}

interface OnnxFlavorModule {
  loadOnnxModel: FlavorLoader
}

async function loadOnnxModel(dir: string, manifest: ModelManifest): Promise<Predictor> {
  let mod: OnnxFlavorModule
  try {
    // A variable specifier: the SDK must not depend on the package, only use it when it is there.
    const specifier: string = ONNX_FLAVOR_PACKAGE
    mod = (await import(specifier)) as OnnxFlavorModule
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes(ONNX_FLAVOR_PACKAGE)
    if (missing) {
      throw new RuntimeMissingError(`the onnx flavor needs ${ONNX_FLAVOR_PACKAGE}: npm install ${ONNX_FLAVOR_PACKAGE}`, { cause: err })
    }
    throw new ModelLoadError({ reason: `importing ${ONNX_FLAVOR_PACKAGE} failed: ${(err as Error).message}`, dir, cause: err })
  }
  try {
    return await mod.loadOnnxModel(dir, manifest)
  } catch (err) {
    throw new ModelLoadError({ reason: `its .onnx file failed to load (onnx): ${(err as Error).message}`, dir, cause: err })
  }
}
