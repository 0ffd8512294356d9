import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { createTestApp, type TestApp } from '@railyard/server/testing/test-app.js'
import { ensureUiBuilt } from './build-ui.js'

export interface UiServer {
  /** `http://127.0.0.1:<port>`, serving the API and the built UI. */
  url: string
  app: TestApp
  /** A folder for test data (datastore roots), removed by close(). */
  dataDir: string
  close(): Promise<void>
}

/** The whole server (API and UI) on a fresh SQLite database, listening on a free port. */
export async function startUiServer(): Promise<UiServer> {
  await ensureUiBuilt()
  const app = await createTestApp('sqlite')
  await app.app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.app.server.address() as AddressInfo
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-ui-data-'))
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    dataDir,
    async close() {
      await app.dispose()
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
