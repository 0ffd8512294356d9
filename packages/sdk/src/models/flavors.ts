import { JS_FLAVOR, ONNX_FLAVOR, type ModelManifest, type Predictor } from '@railyard/api'
import { loadJsModel } from './js-flavor.js'
import { ModelLoadError, RuntimeMissingError } from './model-load-error.js'

/** Loads a model directory of one flavor; `dir` is absolute and `manifest` its MLmodel. */
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

/**
 * Loads the model with the first flavor of its manifest that has a loader, in the SDK's order of
 * preference. ModelLoadError when none of its flavors can be loaded here (naming the flavors it
 * has), or when loading fails; RuntimeMissingError (a ModelLoadError) when the flavor's runtime
 * package is not installed.
 */
export async function loadPredictor(dir: string, manifest: ModelManifest): Promise<Predictor> {
  const present = Object.keys(manifest.flavors)
  const flavor = supportedFlavors().find((f) => present.includes(f))
  if (!flavor) {
    throw new ModelLoadError(
      `Cannot load the model at ${dir}: it has flavor${present.length === 1 ? '' : 's'} ${present.join(', ')}; ` +
        `this SDK loads ${supportedFlavors().join(', ')}`,
    )
  }
  return loaders.get(flavor)!(dir, manifest)
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
    throw new ModelLoadError(`Cannot load ${ONNX_FLAVOR_PACKAGE}: ${(err as Error).message}`, { cause: err })
  }
  try {
    return await mod.loadOnnxModel(dir, manifest)
  } catch (err) {
    throw new ModelLoadError(`Cannot load the model at ${dir} (onnx): ${(err as Error).message}`, { cause: err })
  }
}
