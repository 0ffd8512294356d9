import { defaultModelCacheDir, downloadModel, loadPredictor, parseModelLocation, type RailyardClient } from '@railyard/sdk'
import type { LoadedPredictor } from './model-slot.js'
import { insideModel, modelFolders } from './model-paths.js'
import type { VersionTarget } from './served-version.js'

/**
 * Downloads a target's files (through the model cache) and loads it with the first flavor of its
 * manifest this process supports, as the SDK's loadModel does. When that fails, the error's message
 * names files by their path inside the model rather than by the cache or scratch folder they were
 * put in (the caller names the version); its class and status stay, so a broken model is still
 * told apart from a registry that could not be reached.
 */
export async function loadTarget(target: VersionTarget, opts: { client: RailyardClient; cacheDir?: string }): Promise<LoadedPredictor> {
  const cacheDir = opts.cacheDir ?? defaultModelCacheDir()
  try {
    const model = await downloadModel(target.loadUri, { client: opts.client, cacheDir })
    const predictor = await loadPredictor(model.dir, model.manifest)
    return {
      manifest: model.manifest,
      dir: model.dir,
      predict: (inputs) => predictor.predict(inputs),
      close: async () => predictor.close?.(),
    }
  } catch (err) {
    if (err instanceof Error) err.message = insideModel(err.message, foldersOf(target, cacheDir))
    throw err
  }
}

/** Where `target`'s files may be while it loads (see modelFolders). */
function foldersOf(target: VersionTarget, cacheDir: string): RegExp {
  const loc = parseModelLocation(target.loadUri)
  if (loc.kind === 'local') return modelFolders({ cacheDir, dir: loc.dir })
  return modelFolders({ cacheDir, modelPath: loc.kind === 'run' ? loc.path : 'model' })
}
