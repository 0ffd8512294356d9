import http from 'node:http'

// node:http with a keep-alive agent rather than fetch: on this 2-core machine the load generator
// shares the cores with the server, and fetch (undici) cost about as much CPU per request as the
// server spent answering it. Each concurrent client reuses one socket.
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 })

/** POSTs a JSON body (object or pre-serialized string) to an MLflow endpoint; throws on a non-2xx answer. */
export function post<T = any>(baseUrl: string, path: string, body: unknown): Promise<T> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body)
  return new Promise<T>((resolve, reject) => {
    const req = http.request(
      `${baseUrl}/api/2.0/mlflow${path}`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          if ((res.statusCode ?? 500) >= 300) return reject(new Error(`POST ${path} answered ${res.statusCode}: ${text.slice(0, 300)}`))
          try {
            resolve((text ? JSON.parse(text) : {}) as T)
          } catch (err) {
            reject(err)
          }
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}

/** Runs `clients` loops at once, each calling `step(client, i)` for i < perClient. */
export async function concurrently(clients: number, perClient: number, step: (client: number, i: number) => Promise<void>): Promise<void> {
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = 0; i < perClient; i++) await step(client, i)
    }),
  )
}
