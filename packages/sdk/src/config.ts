import os from 'node:os'

/** Where the tracking server is when nothing is passed: Railyard's variable, then MLflow's, then MLflow's default. */
export const DEFAULT_TRACKING_URI = 'http://127.0.0.1:5000'

/**
 * The tracking URI from the environment. RAILYARD_TRACKING_URI wins over MLFLOW_TRACKING_URI because it
 * is the more specific of the two (`railyard run` sets both to the same value).
 */
export function trackingUriFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.RAILYARD_TRACKING_URI || env.MLFLOW_TRACKING_URI || DEFAULT_TRACKING_URI
}

/** The run a supervisor (`railyard run`, or any MLflow launcher) asked this process to log into, if any. */
export function runIdFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.RAILYARD_RUN_ID || env.MLFLOW_RUN_ID || undefined
}

/** Who is acting: RAILYARD_USER, else the OS user running the script (undefined when neither is known). */
export function localUser(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.RAILYARD_USER) return env.RAILYARD_USER
  try {
    return os.userInfo().username
  } catch {
    // No passwd entry for this uid (some containers).
    return env.USER || env.USERNAME || undefined
  }
}

/**
 * `X-Railyard-User` on every request, for the server's audit trail (alias moves, deploys,
 * refresh-data) when no authenticated identity is available; the server falls back to its own user.
 */
export function identityHeadersFromEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const user = localUser(env)
  return user ? { 'x-railyard-user': user } : {}
}

/**
 * Auth headers from MLflow's variables, so a script that works with MLflow's client works here:
 * MLFLOW_TRACKING_TOKEN (bearer), or MLFLOW_TRACKING_USERNAME + MLFLOW_TRACKING_PASSWORD (basic).
 */
export function authHeadersFromEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (env.MLFLOW_TRACKING_TOKEN) return { authorization: `Bearer ${env.MLFLOW_TRACKING_TOKEN}` }
  if (env.MLFLOW_TRACKING_USERNAME && env.MLFLOW_TRACKING_PASSWORD) {
    const basic = Buffer.from(`${env.MLFLOW_TRACKING_USERNAME}:${env.MLFLOW_TRACKING_PASSWORD}`).toString('base64')
    return { authorization: `Basic ${basic}` }
  }
  return {}
}

/** Checks that the URI is one this client can speak to and drops trailing slashes. */
export function normalizeTrackingUri(uri: string): string {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    throw new TypeError(`Tracking URI '${uri}' is not a URL: expected http://host:port or https://host:port`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`Tracking URI '${uri}' uses ${url.protocol}; the SDK speaks HTTP(S) to a tracking server only`)
  }
  return uri.replace(/\/+$/, '')
}
