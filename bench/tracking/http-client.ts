// Node's fetch (undici) keeps connections alive by default, so each client reuses its socket.

/** POSTs a JSON body (object or pre-serialized string) to an MLflow endpoint; throws on a non-2xx answer. */
export async function post<T = any>(baseUrl: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${baseUrl}/api/2.0/mlflow${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`POST ${path} answered ${res.status}: ${text.slice(0, 300)}`)
  return (text ? JSON.parse(text) : {}) as T
}

/** Runs `clients` loops at once, each calling `step(client, i)` for i < perClient. */
export async function concurrently(clients: number, perClient: number, step: (client: number, i: number) => Promise<void>): Promise<void> {
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = 0; i < perClient; i++) await step(client, i)
    }),
  )
}
