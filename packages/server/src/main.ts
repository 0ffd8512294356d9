import path from 'node:path'
import { blake3File, unavailableBecause } from '@railyard/native-files'
import { buildApp } from './app.js'
import { authFromEnv, defaultConfig, type ServerConfig } from './config.js'
import type { App } from './app.js'

export interface ServeOptions extends Partial<ServerConfig> {
  host?: string
  port?: number
}

/** Starts the server and stops it cleanly on SIGINT/SIGTERM. Resolves to the address it listens on. */
export async function serve(opts: ServeOptions = {}): Promise<{ url: string; close(): Promise<void>; notices: string[] }> {
  const base = defaultConfig()
  const config: ServerConfig = {
    backendStoreUri: opts.backendStoreUri ?? base.backendStoreUri,
    artifactsDestination: opts.artifactsDestination ? resolveDestination(opts.artifactsDestination) : base.artifactsDestination,
    defaultArtifactRoot: opts.defaultArtifactRoot ?? base.defaultArtifactRoot,
    logger: opts.logger,
    auth: opts.auth ?? authFromEnv(),
  }
  const app = await buildApp(config)
  const url = await app.app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 5000 })
  let closing = false
  const shutdown = async () => {
    if (closing) return
    closing = true
    await app.close()
  }
  process.once('SIGINT', () => void shutdown().then(() => process.exit(0)))
  process.once('SIGTERM', () => void shutdown().then(() => process.exit(0)))
  return { url, close: shutdown, notices: [...(await authNotices(app, config)), ...startupNotices()] }
}

/** Whether requests need a token, and how to make the first one when none could administer. */
async function authNotices(app: App, config: ServerConfig): Promise<string[]> {
  if (!config.auth) return []
  const { tokens } = await app.services.tokens.list()
  if (tokens.some((t) => t.role === 'admin' && (t.expires_at === undefined || t.expires_at > Date.now()))) return ['Authentication is on: API requests need a token.']
  return [
    'Authentication is on, and no admin token exists yet. Create one on this database (the server may keep running): ' +
      'railyard tokens create --user <you> --role admin --backend-store-uri <the same URI as this server>',
  ]
}

/** What an operator should know about this process's setup: a missing accelerator, for one. */
function startupNotices(): string[] {
  return blake3File
    ? []
    : [`Note: dataset files over 1 MiB are hashed on one thread and listings use Node's lstat; the native addon (@railyard/native-files) did not load: ${unavailableBecause}. Reinstall with a C compiler and Node's headers (npm ci) to build it.`]
}

/** A folder path becomes absolute (the server may change directory later); URLs (s3://, azure://, file:) stay as given. */
export function resolveDestination(destination: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(destination) && !/^[a-z]:[\\/]/i.test(destination) ? destination : path.resolve(destination)
}
