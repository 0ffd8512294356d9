import path from 'node:path'

/** Everything the server needs to start; main.ts fills it from flags and environment. */
export interface ServerConfig {
  /** postgresql://…, sqlite:///path, or a SQLite file path. */
  backendStoreUri: string
  /** Where proxied artifacts are kept: a directory or file:// URI (s3:// and azure:// come with blob stores). */
  artifactsDestination: string
  /** Root of experiments' artifact locations; `mlflow-artifacts:` means proxied through this server. */
  defaultArtifactRoot: string
  /** Log requests (pino) to stdout. */
  logger?: boolean
  /** Require an API token on every API request (`railyard server --auth`, RAILYARD_AUTH=1). */
  auth?: boolean
}

/** Railyard's home: `$RAILYARD_HOME`, or `./.railyard` in the working directory. */
export function railyardHome(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.RAILYARD_HOME || '.railyard')
}

/** RAILYARD_AUTH turns authentication on: `1`, `true`, `yes` or `on`. */
export function authFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(1|true|yes|on)$/i.test(env.RAILYARD_AUTH ?? '')
}

export function defaultConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const home = railyardHome(env)
  return {
    backendStoreUri: `sqlite:///${path.join(home, 'railyard.db').replace(/^\//, '')}`,
    artifactsDestination: path.join(home, 'artifacts'),
    defaultArtifactRoot: 'mlflow-artifacts:',
  }
}
