import { ApiError, errorFromBody, type ErrorCode } from '@railyard/api'
import { backoffDelay, isRetryableStatus, sleep, type RetryPolicy } from './retry.js'

export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT'

/** The server could not be reached (or kept failing) after every retry. `cause` is the last failure. */
export class ConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ConnectionError'
  }
}

export interface TransportOptions {
  baseUrl: string
  fetch: FetchLike
  headers: Record<string, string>
  retry: RetryPolicy
  /** Per attempt, in milliseconds. */
  timeoutMs: number
}

export interface RawRequest {
  method: HttpMethod
  /** Path below the tracking URI, starting with `/`, query string included. */
  path: string
  headers?: Record<string, string>
  /** Called once per attempt, so a streamed body (a file) is opened afresh for each retry. */
  body?: () => BodyInit | undefined
  /** Set for bodies that are streams (undici needs it). */
  duplex?: boolean
  /** Overrides the per-attempt timeout; 0 means none (large artifact transfers). */
  timeoutMs?: number
}

/**
 * Sends requests with retries: network errors, timeouts, 429 and 5xx are retried with backoff and
 * jitter; any other non-2xx becomes the matching @railyard/api error class right away.
 */
export class Transport {
  constructor(readonly options: TransportOptions) {}

  /** A JSON call: GET sends `payload` as a query string, other methods as a JSON body. */
  json<T>(method: HttpMethod, path: string, payload?: object): Promise<T> {
    const isGet = method === 'GET'
    const body = !isGet && payload !== undefined ? JSON.stringify(payload) : undefined
    const req: RawRequest = {
      method,
      path: isGet && payload ? path + queryString(payload) : path,
      headers: body !== undefined ? { 'content-type': 'application/json' } : {},
      body: () => body,
    }
    // Reading the body is part of the attempt: a connection lost mid-answer is retried like any other.
    return this.request(req, async (res) => {
      const text = await res.text()
      if (text === '') return {} as T
      try {
        return JSON.parse(text) as T
      } catch {
        throw new ApiError('INTERNAL_ERROR', `${method} ${path} returned a body that is not JSON: ${text.slice(0, 200)}`)
      }
    })
  }

  /** Sends one request (retrying as above) and returns a 2xx response with its body unread. */
  send(req: RawRequest): Promise<Response> {
    return this.request(req, async (res) => res)
  }

  /**
   * Sends `req` until an attempt gets a 2xx answer that `consume` accepts. A failure inside
   * `consume` is retried unless it is an ApiError (a verdict about the answer, not the network).
   */
  async request<T>(req: RawRequest, consume: (res: Response) => Promise<T>): Promise<T> {
    const { retry } = this.options
    let lastFailure: unknown
    for (let attempt = 0; attempt <= retry.retries; attempt++) {
      if (attempt > 0) await sleep(backoffDelay(retry, attempt - 1))
      let res: Response
      try {
        res = await this.attempt(req)
      } catch (err) {
        lastFailure = err
        continue
      }
      if (!res.ok) {
        const error = await errorFromResponse(res)
        if (!isRetryableStatus(res.status)) throw error
        lastFailure = error
        continue
      }
      try {
        return await consume(res)
      } catch (err) {
        if (err instanceof ApiError) throw err
        lastFailure = err
      }
    }
    if (lastFailure instanceof ApiError) throw lastFailure
    const reason = lastFailure instanceof Error ? lastFailure.message : String(lastFailure)
    throw new ConnectionError(
      `${req.method} ${this.options.baseUrl}${req.path} failed after ${retry.retries + 1} attempts: ${reason}`,
      { cause: lastFailure },
    )
  }

  private async attempt(req: RawRequest): Promise<Response> {
    const timeoutMs = req.timeoutMs ?? this.options.timeoutMs
    const init: RequestInit & { duplex?: 'half' } = {
      method: req.method,
      headers: { ...this.options.headers, ...req.headers },
      body: req.body?.(),
      signal: timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined,
    }
    if (req.duplex) init.duplex = 'half'
    return this.options.fetch(this.options.baseUrl + req.path, init)
  }
}

/** MLflow's query string: arrays become repeated parameters, undefined fields are left out. */
export function queryString(payload: object): string {
  const qs = new URLSearchParams()
  for (const [key, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue
    for (const item of Array.isArray(value) ? value : [value]) qs.append(key, String(item))
  }
  const s = qs.toString()
  return s ? `?${s}` : ''
}

const CODE_FOR_STATUS: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'ENDPOINT_NOT_FOUND',
  409: 'RESOURCE_CONFLICT',
  429: 'REQUEST_LIMIT_EXCEEDED',
  501: 'NOT_IMPLEMENTED',
  503: 'TEMPORARILY_UNAVAILABLE',
}

/** MLflow's `{ error_code, message }` body becomes its error class; anything else keeps status and text. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '')
  try {
    const body = JSON.parse(text) as { error_code?: string; message?: string }
    if (body && typeof body === 'object' && typeof body.error_code === 'string') return errorFromBody(res.status, body)
  } catch {
    // not JSON: a proxy's page, or an HTML 404 for an endpoint the server does not have
  }
  const code = CODE_FOR_STATUS[res.status] ?? 'INTERNAL_ERROR'
  const snippet = text.trim().slice(0, 200)
  return errorFromBody(res.status, { error_code: code, message: `HTTP ${res.status}${snippet ? `: ${snippet}` : ''}` })
}
