import type { AddressInfo } from 'node:net'
import { createTestApp, type TestApp } from '@railyard/server/testing/test-app.js'
import { ensureUiBuilt } from './build-ui.js'

export interface UiServer {
  /** `http://127.0.0.1:<port>`, serving the API and the built UI. */
  url: string
  app: TestApp
  close(): Promise<void>
}

/** The whole server (API and UI) on a fresh SQLite database, listening on a free port. */
export async function startUiServer(): Promise<UiServer> {
  await ensureUiBuilt()
  const app = await createTestApp('sqlite')
  await app.app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.app.server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, app, close: () => app.dispose() }
}
