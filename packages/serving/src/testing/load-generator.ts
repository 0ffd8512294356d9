import http from 'node:http'

/** One answer seen by the load generator. */
export interface LoadResponse {
  /** HTTP status, or 0 when the request failed without one (connection reset, timeout). */
  status: number
  /** X-Railyard-Model-Version of the answer. */
  version?: string
  body: string
  /** The request's body. */
  sent: string
  /** Milliseconds from sending to the end of the answer. */
  latencyMs: number
  error?: string
}

export interface LoadOptions {
  /** The URL to POST to (loopback). */
  url: string
  /** The JSON body, or one per request (`n` counts every request). */
  body: string | ((n: number) => string)
  /** Concurrent keep-alive connections, each with one request at a time. */
  connections: number
  /** How long to run, in milliseconds; or until `stop` resolves. */
  durationMs?: number
  stop?: Promise<unknown>
  onResponse?: (r: LoadResponse) => void
  /** Per-request timeout, in milliseconds. Default 10 000. */
  timeoutMs?: number
  /** Return every latency (sorted), to compute percentiles over several runs. */
  keepLatencies?: boolean
}

export interface LoadResult {
  requests: number
  /** Answers that were not 2xx, plus requests that got no answer. */
  failed: number
  durationMs: number
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  statuses: Record<string, number>
  /** Every latency in ms, sorted; with `keepLatencies`. */
  latencies?: number[]
}

/**
 * A closed-loop HTTP load generator on node:http keep-alive sockets: `connections` clients, each
 * sending its next request when the previous answer has arrived, for `durationMs` (or until
 * `stop`). Cheaper on CPU than fetch, which matters when it shares the cores with the server.
 */
export async function generateLoad(opts: LoadOptions): Promise<LoadResult> {
  const target = new URL(opts.url)
  const latencies: number[] = []
  const statuses: Record<string, number> = {}
  let failed = 0
  let n = 0
  let done = false
  const started = performance.now()
  const timer = opts.durationMs !== undefined ? setTimeout(() => (done = true), opts.durationMs) : undefined
  void opts.stop?.then(() => (done = true))

  const client = async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
    try {
      while (!done) {
        const sent = typeof opts.body === 'string' ? opts.body : opts.body(n)
        n++
        const r = await post(target, sent, agent, opts.timeoutMs ?? 10_000)
        latencies.push(r.latencyMs)
        statuses[r.status] = (statuses[r.status] ?? 0) + 1
        if (r.status < 200 || r.status >= 300) failed++
        opts.onResponse?.(r)
      }
    } finally {
      agent.destroy()
    }
  }
  await Promise.all(Array.from({ length: opts.connections }, client))
  clearTimeout(timer)
  const durationMs = performance.now() - started
  latencies.sort((a, b) => a - b)
  return {
    requests: latencies.length,
    failed,
    durationMs,
    requestsPerSecond: (latencies.length / durationMs) * 1000,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    statuses,
    latencies: opts.keepLatencies ? latencies : undefined,
  }
}

/** The q-quantile (0–1) of sorted values; NaN when there are none. */
export function percentile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN
}

function post(url: URL, body: string, agent: http.Agent, timeoutMs: number): Promise<LoadResponse> {
  const t0 = performance.now()
  return new Promise((resolve) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: timeoutMs },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => (text += d))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            version: res.headers['x-railyard-model-version'] as string | undefined,
            body: text,
            sent: body,
            latencyMs: performance.now() - t0,
          }),
        )
        res.on('error', (err) => resolve({ status: 0, body: text, sent: body, latencyMs: performance.now() - t0, error: err.message }))
      },
    )
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)))
    req.on('error', (err) => resolve({ status: 0, body: '', sent: body, latencyMs: performance.now() - t0, error: err.message }))
    req.end(body)
  })
}
