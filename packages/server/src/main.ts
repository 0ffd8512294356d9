import path from 'node:path'
import { blake3File, unavailableBecause } from '@railyard/native-files'
import { buildApp } from './app.js'
import { defaultConfig, type ServerConfig } from './config.js'

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
  return { url, close: shutdown, notices: startupNotices() }
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
