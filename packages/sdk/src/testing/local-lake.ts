import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { RailyardClient } from '../client.js'
import { startRewritingProxy } from './rewriting-proxy.js'
import { startTestServer, type TestServer } from './server.js'

export interface LocalLake {
  server: TestServer
  /** Between client and server, to rewrite or cut answers. */
  proxy: Awaited<ReturnType<typeof startRewritingProxy>>
  /** Talks to the server through the proxy, retrying once, quickly. */
  client: RailyardClient
  /** The folder of the local datastore `lake`, holding the files given. */
  lake: string
  /** An empty folder to write into. */
  scratch: string
  close(): Promise<void>
}

/**
 * What the SDK's dataset read tests start from: a SQLite server behind a rewriting proxy and a
 * local datastore named `lake` over a temporary folder holding `files` (relative path → content).
 * Tests only.
 */
export async function startLocalLake(files: Record<string, string | Buffer>): Promise<LocalLake> {
  const server = await startTestServer('sqlite')
  const proxy = await startRewritingProxy(server.url)
  const client = new RailyardClient({ trackingUri: proxy.url, retries: { retries: 1, baseDelayMs: 5 } })
  const lake = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-lake-'))
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-scratch-'))
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(lake, rel)), { recursive: true })
    fs.writeFileSync(path.join(lake, rel), content)
  }
  await client.datasets.createDatastore({ name: 'lake', kind: 'local', config: { root: lake } })
  return {
    server,
    proxy,
    client,
    lake,
    scratch,
    async close() {
      await proxy.close()
      await server.close()
      fs.rmSync(lake, { recursive: true, force: true })
      fs.rmSync(scratch, { recursive: true, force: true })
    },
  }
}
