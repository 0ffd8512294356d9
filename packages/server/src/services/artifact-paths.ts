import { InvalidParameterError } from '@railyard/api'
import { keyProblem } from '../blob/keys.js'

/**
 * A file path from a request (`1/<run>/artifacts/model/MLmodel`), as a blob key. Throws
 * INVALID_PARAMETER_VALUE for a missing path and for anything that could leave the artifact root:
 * `..`, absolute paths, backslashes, NUL, and the same hidden behind percent-encoding.
 */
export function artifactFilePath(raw: unknown, what = 'path'): string {
  if (raw === undefined || raw === '') throw new InvalidParameterError(`Missing value for required parameter '${what}'.`)
  return checked(raw, what)
}

/** A folder path from a request; absent, empty or `/`-terminated are fine ('' is the root). */
export function artifactFolderPath(raw: unknown, what = 'path'): string {
  if (raw === undefined || raw === '') return ''
  if (typeof raw === 'string' && !raw.startsWith('/')) {
    const trimmed = raw.replace(/\/+$/, '')
    if (trimmed === '') return ''
    return checked(trimmed, what)
  }
  return checked(raw, what)
}

/**
 * The artifact-root-relative folder of an `mlflow-artifacts:` URI (`mlflow-artifacts:/1/<run>/artifacts`
 * or `mlflow-artifacts://host:port/1/…` → `1/<run>/artifacts`), or undefined for any other scheme.
 * Experiments may carry user-chosen locations, so the path is checked like a request's.
 */
export function proxiedFolder(uri: string): string | undefined {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?(.*)$/.exec(uri)
  if (!match) return undefined
  const folder = match[1].replace(/^\/+/, '').replace(/\/+$/, '')
  return folder === '' ? '' : checked(folder, 'artifact_uri')
}

/** `folder/relative`, either of which may be ''. */
export function joinArtifactPath(folder: string, relative: string): string {
  return folder && relative ? `${folder}/${relative}` : folder || relative
}

function checked(raw: unknown, what: string): string {
  if (typeof raw !== 'string') throw new InvalidParameterError(`Invalid value for parameter '${what}': expected one string.`)
  const problem = keyProblem(raw)
  if (problem) throw new InvalidParameterError(`Invalid path '${raw}' for parameter '${what}': ${problem}.`)
  return raw
}

// MLflow serves these as text/plain whatever their registered type (mlflow/server/handlers.py),
// so its UI shows them as text.
const TEXT_EXTENSIONS = new Set([
  'txt', 'log', 'err', 'cfg', 'conf', 'cnf', 'cf', 'ini', 'properties', 'prop', 'hocon', 'toml', 'yaml', 'yml',
  'xml', 'json', 'js', 'py', 'py3', 'csv', 'tsv', 'md', 'rst', 'MLmodel', 'MLproject',
])

const MEDIA_TYPES: Record<string, string> = {
  html: 'text/html',
  htm: 'text/html',
  css: 'text/css',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  webp: 'image/webp',
  bmp: 'image/bmp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  ico: 'image/vnd.microsoft.icon',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
  tar: 'application/x-tar',
  wav: 'audio/x-wav',
  mp3: 'audio/mpeg',
  mp4: 'video/mp4',
  webm: 'video/webm',
}

/** Content-Type from the file name, as MLflow guesses it; application/octet-stream when unknown. */
export function guessContentType(fileName: string): string {
  const dot = fileName.lastIndexOf('.')
  // Files without an extension (MLmodel, MLproject) are looked up by their whole name.
  const extension = dot > 0 ? fileName.slice(dot + 1) : fileName
  if (TEXT_EXTENSIONS.has(extension) || TEXT_EXTENSIONS.has(extension.toLowerCase())) return 'text/plain'
  return MEDIA_TYPES[extension.toLowerCase()] ?? 'application/octet-stream'
}
