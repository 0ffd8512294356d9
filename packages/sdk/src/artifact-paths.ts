import { InvalidParameterError } from '@railyard/api'

/** Where the server's artifact proxy lives below the tracking URI (MLflow's mlflow_artifacts.proto). */
export const ARTIFACTS_PREFIX = '/api/2.0/mlflow-artifacts/artifacts'

/**
 * The run's artifact root below the proxy, from its `artifact_uri`: `mlflow-artifacts:/1/<run>/artifacts`
 * (or `mlflow-artifacts://host/1/<run>/artifacts`) → `1/<run>/artifacts`. Other schemes (s3:, file:)
 * mean the server does not proxy this run's artifacts, and the SDK cannot reach them.
 */
export function proxiedRoot(artifactUri: string): string {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(artifactUri)
  if (!match) {
    throw new InvalidParameterError(
      `The run's artifact_uri '${artifactUri}' is not served through the tracking server (mlflow-artifacts:); ` +
        'the SDK uploads and downloads artifacts only through the server proxy',
    )
  }
  return match[1].replace(/\/+$/, '')
}

/**
 * A relative artifact path in canonical form (`a/b/c`): separators collapsed, and nothing that
 * could leave the run's root (`..`, `.`, absolute paths). Empty means the root itself.
 */
export function cleanArtifactPath(p: string | undefined): string {
  if (!p) return ''
  if (p.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(p)) {
    throw new InvalidParameterError(`Artifact path '${p}' must be relative to the run's artifact root`)
  }
  const parts = p.split(/[\\/]+/).filter((s) => s !== '')
  if (parts.some((s) => s === '.' || s === '..')) {
    throw new InvalidParameterError(`Artifact path '${p}' must not contain '.' or '..' segments`)
  }
  return parts.join('/')
}

export const joinArtifactPath = (...parts: string[]) => parts.filter((p) => p !== '').join('/')

/** Encodes each segment, keeping the slashes that separate them. */
export const encodePath = (p: string) => p.split('/').map(encodeURIComponent).join('/')
