import { downloadModel, loadPredictor, type RailyardClient } from '@railyard/sdk'
import type { LoadedPredictor } from './model-slot.js'
import { describeTarget, type VersionTarget } from './served-version.js'

/**
 * Downloads a target's files (through the model cache) and loads it with the first flavor of its
 * manifest this process supports, as the SDK's loadModel does. The SDK's load errors name the
 * model as describeTarget does (never by the cache or scratch folder it was put in) and carry the
 * reason alone, for `<version> failed to load: <reason>`; their class and status stay, so a broken
 * model is still told apart from a registry that could not be reached.
 */
export async function loadTarget(target: VersionTarget, opts: { client: RailyardClient; cacheDir?: string }): Promise<LoadedPredictor> {
  const description = describeTarget(target)
  const model = await downloadModel(target.loadUri, { client: opts.client, cacheDir: opts.cacheDir, description })
  const predictor = await loadPredictor(model.dir, model.manifest, { description })
  return {
    manifest: model.manifest,
    dir: model.dir,
    predict: (inputs) => predictor.predict(inputs),
    close: async () => predictor.close?.(),
  }
}
