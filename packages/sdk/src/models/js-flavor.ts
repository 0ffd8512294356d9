import fsp from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { InvalidParameterError, JS_FLAVOR, type JsModel, type ModelManifest, type Predictor } from '@railyard/api'
import { MANIFEST_FILE } from './manifest.js'
import { ModelLoadError } from './model-load-error.js'

/**
 * Loads a railyard_js model: imports its module (an ES module file inside the model directory)
 * and calls `load(dir)`. ModelLoadError (with `dir`, and the module as `file`) when the file is
 * missing, fails to import, exports no `load`, or `load` throws or returns no `predict`.
 */
export async function loadJsModel(dir: string, manifest: ModelManifest): Promise<Predictor> {
  const modulePath = manifest.flavors[JS_FLAVOR]?.module
  if (typeof modulePath !== 'string' || modulePath === '') {
    throw new ModelLoadError({ reason: `its ${JS_FLAVOR} flavor names no 'module'`, dir, file: MANIFEST_FILE })
  }
  const file = path.resolve(dir, modulePath)
  const inside = path.relative(dir, file)
  const fail = (reason: string, cause?: unknown) => new ModelLoadError({ reason, dir, file: inside.replaceAll('\\', '/'), cause })
  if (inside.startsWith('..') || path.isAbsolute(inside)) {
    throw new ModelLoadError({ reason: `module '${modulePath}' is outside the model directory`, dir, file: MANIFEST_FILE })
  }
  const stat = await fsp.stat(file).catch(() => undefined)
  if (!stat?.isFile()) throw fail(`its module '${modulePath}' is missing`)

  // The same URL is imported once per process; a local model directory may have changed since.
  const url = `${pathToFileURL(file).href}?v=${stat.mtimeMs}-${stat.size}`
  let mod: { load?: unknown; default?: { load?: unknown } }
  try {
    mod = await import(url)
  } catch (err) {
    throw fail(`importing '${modulePath}' failed: ${messageOf(err)}`, err)
  }
  const load = typeof mod.load === 'function' ? mod.load : mod.default?.load
  if (typeof load !== 'function') {
    throw fail(`'${modulePath}' does not export a load(dir) function`)
  }
  let model: JsModel
  try {
    model = await (load as (dir: string) => JsModel | Promise<JsModel>)(path.resolve(dir))
  } catch (err) {
    throw fail(`load() of '${modulePath}' threw: ${messageOf(err)}`, err)
  }
  if (!model || typeof model.predict !== 'function') {
    throw fail(`load() of '${modulePath}' returned no object with a predict(inputs) method`)
  }
  return {
    manifest,
    async predict(inputs: unknown[]): Promise<unknown[]> {
      if (!Array.isArray(inputs)) throw new InvalidParameterError('predict takes an array of inputs (a batch)')
      const outputs = await model.predict(inputs)
      if (!Array.isArray(outputs) || outputs.length !== inputs.length) {
        const got = Array.isArray(outputs) ? `${outputs.length} outputs` : typeof outputs
        // The caller knows which model it called; the folder (often in the download cache) would not help.
        throw new TypeError(`The model broke the predict contract: ${inputs.length} inputs gave ${got}`)
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
