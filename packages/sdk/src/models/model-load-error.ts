import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { NotFoundError } from '@railyard/api'

/** What a load error knows, apart from its message (which is made from these). */
export interface ModelErrorDetails {
  /** What went wrong, without naming the model or its folder: `its module 'predict.mjs' is missing`. */
  reason: string
  /**
   * How the message names the model: the `description` given to loadModel, downloadModel or
   * loadPredictor (`tweets version 3`), else `the model at <URI>` for a model downloaded from the
   * server, `the model at <folder>` for a local one. Undefined when the error is not about one
   * model (a flavor runtime that is not installed).
   */
  model?: string
  /** The model's folder on this machine (for a download: in the cache), when known. */
  dir?: string
  /** The file involved, relative to the model's root with `/` separators (`predict.mjs`, `MLmodel`). */
  file?: string
  cause?: unknown
}

/**
 * A model could not be loaded: its flavor is not supported here, its flavor's runtime is not
 * installed, or its own code failed while loading. The message is `Cannot load <model>: <reason>`;
 * `reason`, `model`, `dir` and `file` hold the parts, so a caller that names the model its own way
 * can use `reason` alone. `cause` holds the underlying error. A string argument is the reason.
 */
export class ModelLoadError extends Error {
  reason: string
  model?: string
  dir?: string
  file?: string

  constructor(details: ModelErrorDetails | string, options?: { cause?: unknown }) {
    const d = typeof details === 'string' ? { reason: details, cause: options?.cause } : details
    super(loadMessage(d), { cause: d.cause ?? options?.cause })
    this.name = 'ModelLoadError'
    this.reason = d.reason
    this.model = d.model
    this.dir = d.dir
    this.file = d.file
  }
}

/** The runtime package a flavor needs (e.g. @railyard/flavor-onnx) is not installed. Its message is the reason alone. */
export class RuntimeMissingError extends ModelLoadError {
  constructor(details: ModelErrorDetails | string, options?: { cause?: unknown }) {
    super(details, options)
    this.name = 'RuntimeMissingError'
    this.message = this.reason
  }
}

/**
 * A folder that should hold a model has no MLmodel file (a NotFoundError, RESOURCE_DOES_NOT_EXIST).
 * The message is `No model at '<dir>': <reason>` for a folder the caller named, else
 * `Cannot load <model>: <reason>`.
 */
export class ModelNotFoundError extends NotFoundError {
  reason: string
  model?: string
  dir?: string
  file?: string

  constructor(details: ModelErrorDetails) {
    super(details.model || !details.dir ? loadMessage(details) : `No model at '${details.dir}': ${details.reason}`)
    this.name = 'ModelNotFoundError'
    this.reason = details.reason
    this.model = details.model
    this.dir = details.dir
    this.file = details.file
  }
}

/**
 * Why a model failed to load or download, without the model's name or folder: the `reason` of a
 * ModelLoadError or ModelNotFoundError, else the error's message. For callers that say which
 * model themselves (`tweets version 3 failed to load: <reason>`).
 */
export function loadFailureReason(err: unknown): string {
  if (err instanceof ModelLoadError || err instanceof ModelNotFoundError) return err.reason
  return err instanceof Error ? err.message : String(err)
}

/**
 * `text` with the paths of files inside the model's folder `dir` written from the model's root
 * (`open 'weights/w.bin'`, `imported from predict.mjs`), as the model's author knows them, instead
 * of by a cache or scratch folder the user never chose. Finds the folder as given, absolute, with
 * symlinks resolved, and as a file: URL (dropping the `?v=` query the railyard_js loader adds);
 * the folder itself becomes "the model's folder". Other text is left as it is.
 */
export function pathsInModel(text: string, dir: string): string {
  const spellings = folderSpellings(dir)
  // Not followed by a name character: `<dir>-old` is another folder.
  const folder = new RegExp(`(?:${spellings.map(escapeRegExp).join('|')})(?![\\w.-])`, 'g')
  const marked = text.replace(folder, FOLDER)
  if (marked === text) return text
  return marked
    .replace(/\u0000[/\\]([^\s'"?:]*)(?:\?v=[\d.]+-\d+)?/g, (_, file: string) => file.replaceAll('\\', '/'))
    .replace(/\u0000/g, "the model's folder")
}

// Stands for the folder while a message is rewritten; no message holds it.
const FOLDER = '\u0000'

/** Longest first, so that no folder is cut short at a shorter spelling of its parent. */
function folderSpellings(dir: string): string[] {
  const absolute = path.resolve(dir)
  let real = absolute
  try {
    real = fs.realpathSync(absolute)
  } catch {
    // Gone already: the other spellings will do.
  }
  const all = [dir, absolute, real].flatMap((d) => [d, pathToFileURL(d).href])
  return [...new Set(all)].filter((s) => s !== '' && s !== '.').sort((a, b) => b.length - a.length)
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function loadMessage(d: ModelErrorDetails): string {
  const model = d.model ?? (d.dir ? `the model at ${d.dir}` : undefined)
  return model ? `Cannot load ${model}: ${d.reason}` : d.reason
}

/**
 * Names the model in a load error (the SDK's flavor loaders throw with `dir` only): sets `model`,
 * writes paths inside `dir` from the model's root, and remakes the message. Anything that is not
 * a ModelLoadError (a registered loader's own error) becomes one, with it as the cause.
 */
export function placeLoadError(err: unknown, at: { dir: string; model: string }): ModelLoadError {
  if (!(err instanceof ModelLoadError)) {
    return new ModelLoadError({ reason: pathsInModel(messageOf(err), at.dir), dir: at.dir, model: at.model, cause: err })
  }
  if (err instanceof RuntimeMissingError) return err
  err.reason = pathsInModel(err.reason, at.dir)
  err.dir ??= at.dir
  err.model = at.model
  err.message = loadMessage(err)
  return err
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
