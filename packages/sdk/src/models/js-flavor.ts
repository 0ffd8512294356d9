import fsp from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { InvalidParameterError, JS_FLAVOR, type JsModel, type ModelManifest, type Predictor } from '@railyard/api'
import { ModelLoadError } from './model-load-error.js'

/**
 * Loads a railyard_js model: imports its module (an ES module file inside the model directory)
 * and calls `load(dir)`. ModelLoadError, naming the model directory and the module, when the file
 * is missing, fails to import, exports no `load`, or `load` throws or returns no `predict`.
 */
export async function loadJsModel(dir: string, manifest: ModelManifest): Promise<Predictor> {
  const modulePath = manifest.flavors[JS_FLAVOR]?.module
  if (typeof modulePath !== 'string' || modulePath === '') {
    throw new ModelLoadError(`Cannot load the model at ${dir}: its ${JS_FLAVOR} flavor names no 'module'`)
  }
  const file = path.resolve(dir, modulePath)
  if (path.relative(dir, file).startsWith('..')) {
    throw new ModelLoadError(`Cannot load the model at ${dir}: module '${modulePath}' is outside the model directory`)
  }
  const stat = await fsp.stat(file).catch(() => undefined)
  if (!stat?.isFile()) throw new ModelLoadError(`Cannot load the model at ${dir}: its module '${modulePath}' is missing`)

  // The same URL is imported once per process; a local model directory may have changed since.
  const url = `${pathToFileURL(file).href}?v=${stat.mtimeMs}-${stat.size}`
  let mod: { load?: unknown; default?: { load?: unknown } }
  try {
    mod = await import(url)
  } catch (err) {
    throw new ModelLoadError(`Cannot load the model at ${dir}: importing '${modulePath}' failed: ${messageOf(err)}`, { cause: err })
  }
  const load = typeof mod.load === 'function' ? mod.load : mod.default?.load
  if (typeof load !== 'function') {
    throw new ModelLoadError(`Cannot load the model at ${dir}: '${modulePath}' does not export a load(dir) function`)
  }
  let model: JsModel
  try {
    model = await (load as (dir: string) => JsModel | Promise<JsModel>)(path.resolve(dir))
  } catch (err) {
    throw new ModelLoadError(`Cannot load the model at ${dir}: load() of '${modulePath}' threw: ${messageOf(err)}`, { cause: err })
  }
  if (!model || typeof model.predict !== 'function') {
    throw new ModelLoadError(`Cannot load the model at ${dir}: load() of '${modulePath}' returned no object with a predict(inputs) method`)
  }
  return {
    manifest,
    async predict(inputs: unknown[]): Promise<unknown[]> {
      if (!Array.isArray(inputs)) throw new InvalidParameterError('predict takes an array of inputs (a batch)')
      const outputs = await model.predict(inputs)
      if (!Array.isArray(outputs) || outputs.length !== inputs.length) {
        const got = Array.isArray(outputs) ? `${outputs.length} outputs` : typeof outputs
        throw new TypeError(`The model at ${dir} broke the predict contract: ${inputs.length} inputs gave ${got}`)
      }
      return outputs
    },
    async close(): Promise<void> {
      await model.close?.()
    },
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
