import path from 'node:path'
import { pathToFileURL } from 'node:url'

const SEP = '[/\\\\]'
// Cache keys and scratch folder names: tree-<hex>, run-<hex>, <key>-<random>.
const SEGMENT = '[\\w.-]+'

/**
 * The folders a model's files sit in on this machine while it is downloaded and loaded, as a
 * pattern that finds them in messages (as paths or file: URLs): with `cacheDir`, any model's folder
 * in that download cache (`<cacheDir>/entries/<key>`) and the scratch folder a download goes to
 * first (`<cacheDir>/tmp/<key>-<random>/<modelPath>`; `modelPath` is the model's folder inside a
 * download: `model` for a registered version, the artifact path for `runs:/`); with `dir`, that
 * one folder (a local model, or where a loaded model is).
 */
export function modelFolders(opts: { cacheDir?: string; modelPath?: string; dir?: string }): RegExp {
  const inScratch = opts.modelPath ? opts.modelPath.split('/').filter(Boolean).map((p) => SEP + escape(p)).join('') : ''
  const inCache = `${SEP}(?:entries${SEP}${SEGMENT}|tmp${SEP}${SEGMENT}${inScratch})`
  const folders = [
    ...(opts.cacheDir ? spellings(opts.cacheDir).map((root) => escape(root) + inCache) : []),
    ...(opts.dir ? spellings(opts.dir).map(escape) : []),
  ]
  // Longest first, so that no folder is cut short at a shorter spelling of its parent.
  folders.sort((a, b) => b.length - a.length)
  return new RegExp(folders.join('|'), 'g')
}

/**
 * `message` with the model's folder (see modelFolders) taken out, so that it names files as the
 * model's author knows them (`load() of 'predict.mjs' threw: ENOENT … open 'weights/w.bin'`), not
 * by a cache or scratch folder the user never chose and that may be gone by the time they look.
 * The caller names the model.
 */
export function insideModel(message: string, folders: RegExp): string {
  const marked = message.replace(folders, FOLDER)
  if (marked === message) return message
  return (
    marked
      // The SDK's own phrasings, where the folder stood for the model the caller names.
      .replace(/Cannot load the model at \u0000: /g, '')
      .replace(/([Tt]he model) at \u0000/g, '$1')
      .replace(/No model at '\u0000'/g, 'No model')
      // A file inside: its path from the model's root (without the import's cache-busting query).
      .replace(/\u0000[/\\]([^\s'"?:]*)(?:\?v=[\d.]+-\d+)?/g, (_, file: string) => file.replaceAll('\\', '/'))
      .replace(/\u0000/g, "the model's folder")
  )
}

// Stands for a folder while the message is rewritten; no message holds it.
const FOLDER = '\u0000'

/** A folder as messages may spell it: as given, absolute, and as a file: URL. */
function spellings(dir: string): string[] {
  const absolute = path.resolve(dir)
  return [...new Set([dir, absolute, pathToFileURL(absolute).href])]
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
