import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { InvalidParameterError } from '@railyard/api'
import { cleanArtifactPath } from '../artifact-paths.js'

/** Where a model is, as loadModel understands it. */
export type ModelLocation =
  /** `models:/NAME/VERSION`: one fixed version, whose files never change. */
  | { kind: 'version'; name: string; version: string }
  /** `models:/NAME@ALIAS`, `models:/NAME/latest`, `models:/NAME/STAGE`: resolved by the server each time. */
  | { kind: 'moving'; name: string; uri: string }
  /** `runs:/RUN_ID/path`: a model logged in a run's artifacts. */
  | { kind: 'run'; runId: string; path: string }
  /** A model directory on this machine (a path or a `file:` URL). */
  | { kind: 'local'; dir: string }

/**
 * Parses a model URI: `models:/NAME/VERSION`, `models:/NAME@ALIAS`, `models:/NAME/latest`,
 * `models:/NAME/STAGE`, `runs:/RUN_ID/path`, `file:///abs/dir`, or a local path. Other schemes
 * (`s3://`, `mlflow-artifacts:`) are InvalidParameterError: register the model, or use runs:/.
 */
export function parseModelLocation(uri: string): ModelLocation {
  if (uri.startsWith('models:')) {
    const m = /^models:\/([^/@]+)(?:\/([^/]+)|@([^/@]+))$/.exec(uri)
    if (!m) {
      throw new InvalidParameterError(
        `Invalid model URI '${uri}': expected models:/NAME/VERSION, models:/NAME@ALIAS, models:/NAME/latest or models:/NAME/STAGE`,
      )
    }
    const [, name, ref] = m
    if (ref !== undefined && /^\d+$/.test(ref)) return { kind: 'version', name, version: String(Number(ref)) }
    return { kind: 'moving', name, uri }
  }
  if (uri.startsWith('runs:')) {
    const m = /^runs:\/([^/]+)(?:\/(.*))?$/.exec(uri)
    if (!m) throw new InvalidParameterError(`Invalid run model URI '${uri}': expected runs:/RUN_ID/path`)
    return { kind: 'run', runId: m[1], path: cleanArtifactPath(m[2]) }
  }
  if (uri.startsWith('file:')) return { kind: 'local', dir: fileURLToPath(uri) }
  if (/^[a-z][a-z0-9+.-]+:/i.test(uri) && !/^[a-zA-Z]:[\\/]/.test(uri)) {
    throw new InvalidParameterError(
      `Cannot load a model from '${uri}': use models:/NAME/VERSION, models:/NAME@ALIAS, runs:/RUN_ID/path or a local directory`,
    )
  }
  return { kind: 'local', dir: path.resolve(uri) }
}
