import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildApp, type App } from '../app.js'
import type { ServerConfig } from '../config.js'
import { createTestDatabase } from './databases.js'

export interface TestApp extends App {
  artifactsDir: string
  /** Closes the app and drops its database and files. */
  dispose(): Promise<void>
}

/**
 * A whole server over a fresh database of the given dialect, for inject() or listen({ port: 0 });
 * `options` adds to its configuration (e.g. `{ auth: true }`).
 */
export async function createTestApp(dialect: 'sqlite' | 'postgres' = 'sqlite', options: Partial<ServerConfig> = {}): Promise<TestApp> {
  const db = await createTestDatabase(dialect)
  const artifactsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-artifacts-'))
  const app = await buildApp({
    backendStoreUri: db.uri,
    artifactsDestination: artifactsDir,
    defaultArtifactRoot: 'mlflow-artifacts:',
    ...options,
  })
  return {
    ...app,
    artifactsDir,
    async dispose() {
      await app.close()
      await db.drop()
      fs.rmSync(artifactsDir, { recursive: true, force: true })
    },
  }
}
