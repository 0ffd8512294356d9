import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { createTestApp, type TestApp } from '@railyard/server/testing/test-app.js'

/** A real Railyard server listening on 127.0.0.1 (random port) over a fresh database. Tests only. */
export interface TestServer {
  app: TestApp
  url: string
  close(): Promise<void>
}

export async function startTestServer(dialect: 'sqlite' | 'postgres' = 'sqlite'): Promise<TestServer> {
  const app = await createTestApp(dialect)
  await app.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.app.server.address() as AddressInfo
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.dispose() }
}

export type Fault = 'status-503' | 'status-429' | 'drop-after-forward' | 'drop-before-forward' | 'truncate-answer'

/**
 * An HTTP proxy in front of `target` that injects faults into requests whose path ends with one of
 * `faultyPaths`: the first `faults.length` such requests get the listed fault, later ones pass.
 */
export async function startFaultyProxy(target: string, faultyPaths: string[], faults: Fault[]) {
  const queue = [...faults]
  const seen: string[] = []
  const server = http.createServer((req, res) => {
    const faulty = faultyPaths.some((p) => req.url?.split('?')[0].endsWith(p))
    if (faulty) seen.push(req.url!)
    const fault = faulty ? queue.shift() : undefined
    if (fault === 'status-503' || fault === 'status-429') {
      req.resume()
      const status = fault === 'status-503' ? 503 : 429
      res.writeHead(status, { 'content-type': 'application/json' })
      const code = status === 503 ? 'TEMPORARILY_UNAVAILABLE' : 'REQUEST_LIMIT_EXCEEDED'
      res.end(JSON.stringify({ error_code: code, message: 'injected' }))
      return
    }
    if (fault === 'drop-before-forward') {
      req.socket.destroy()
      return
    }
    const upstream = http.request(new URL(req.url!, target), { method: req.method, headers: req.headers }, (up) => {
      if (fault === 'drop-after-forward') {
        // The server has written the batch; the client never hears so.
        up.resume()
        up.on('end', () => req.socket.destroy())
        return
      }
      res.writeHead(up.statusCode!, up.headers)
      if (fault === 'truncate-answer') {
        // Headers and the first bytes arrive, then the connection dies mid-body.
        up.once('data', (chunk: Buffer) => res.write(chunk.subarray(0, Math.ceil(chunk.length / 2)), () => req.socket.destroy()))
        return
      }
      up.pipe(res)
    })
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    /** URLs of the requests that matched `faultyPaths`, retries included. */
    seen,
    faultsLeft: () => queue.length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
