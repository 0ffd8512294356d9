import type { FastifyInstance } from 'fastify'

export interface WireResponse {
  status: number
  body: any
  headers: Record<string, unknown>
}

/**
 * Speaks raw HTTP to an app through inject(): GET sends `payload` as a query string (arrays as
 * repeated parameters), other methods send it as a JSON body.
 */
export async function call(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT',
  url: string,
  payload?: Record<string, unknown> | string,
): Promise<WireResponse> {
  let fullUrl = url
  let body: string | undefined
  if (method === 'GET' && payload && typeof payload === 'object') {
    const qs = new URLSearchParams()
    for (const [k, v] of Object.entries(payload)) {
      for (const item of Array.isArray(v) ? v : [v]) qs.append(k, String(item))
    }
    fullUrl += `?${qs}`
  } else if (payload !== undefined) {
    body = typeof payload === 'string' ? payload : JSON.stringify(payload)
  }
  const res = await app.inject({
    method,
    url: fullUrl,
    payload: body,
    headers: body !== undefined ? { 'content-type': 'application/json' } : {},
  })
  let parsed: unknown = res.body
  try {
    parsed = JSON.parse(res.body)
  } catch {
    // plain-text endpoints
  }
  return { status: res.statusCode, body: parsed, headers: res.headers }
}

/** `call` bound to an app, with the MLflow API prefix. */
export function mlflow(app: FastifyInstance) {
  return (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, payload?: Record<string, unknown> | string) =>
    call(app, method, `/api/2.0/mlflow${path}`, payload)
}
