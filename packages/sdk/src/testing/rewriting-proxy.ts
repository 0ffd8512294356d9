import http from 'node:http'
import type { AddressInfo } from 'node:net'

/** What a rewrite does to an answer: new bytes, `null` (cut after half), or cut after `cutAfter` bytes. */
export type Rewrite = (body: Buffer) => Buffer | null | { cutAfter: number }

/**
 * An HTTP proxy that passes everything on, except that answers to paths ending in one of the
 * `rewrites` keys are buffered and rewritten (or cut short) on their way back, and paths ending in
 * one of the `answers` keys get that answer without reaching the server (a server without the
 * endpoint). Tests only.
 */
export async function startRewritingProxy(target: string) {
  const rewrites = new Map<string, Rewrite>()
  const answers = new Map<string, { status: number; body: object }>()
  const counts = new Map<string, number>()
  const requests: Array<{ path: string; body: string }> = []
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url!, target).pathname
    counts.set(pathname, (counts.get(pathname) ?? 0) + 1)
    const sent: Buffer[] = []
    req.on('data', (c: Buffer) => sent.push(c))
    req.on('end', () => requests.push({ path: pathname, body: Buffer.concat(sent).toString() }))
    const answer = [...answers].find(([suffix]) => pathname.endsWith(suffix))?.[1]
    if (answer) {
      req.resume()
      res.writeHead(answer.status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(answer.body))
      return
    }
    const rewrite = [...rewrites].find(([suffix]) => pathname.endsWith(suffix))?.[1]
    const upstream = http.request(new URL(req.url!, target), { method: req.method, headers: req.headers }, (up) => {
      if (!rewrite || up.statusCode !== 200) {
        res.writeHead(up.statusCode!, up.headers)
        up.pipe(res)
        return
      }
      const chunks: Buffer[] = []
      up.on('data', (c: Buffer) => chunks.push(c))
      up.on('end', () => {
        const original = Buffer.concat(chunks)
        const body = rewrite(original)
        if (body === null || !Buffer.isBuffer(body)) {
          // Headers promise the whole body; part of it (default: half) arrives, then the connection dies.
          res.writeHead(200, up.headers)
          res.write(original.subarray(0, body === null ? original.length >> 1 : body.cutAfter), () => res.destroy())
          return
        }
        const headers = { ...up.headers, 'content-length': String(body.length) }
        delete headers['transfer-encoding']
        res.writeHead(200, headers)
        res.end(body)
      })
    })
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    rewrites,
    answers,
    /** Requests seen (path and body), oldest first. */
    requests,
    /** Requests seen for paths ending in `suffix`. */
    count: (suffix: string) => [...counts].filter(([p]) => p.endsWith(suffix)).reduce((n, [, c]) => n + c, 0),
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  }
}
