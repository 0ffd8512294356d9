import { ApiError, STATUS, errorFromBody, type SnapshotEvent, type SnapshotResponse } from '@railyard/api'
import type { Transport } from '../http.js'
import { ndjsonLines } from './ndjson.js'

export type SnapshotProgress = (event: SnapshotEvent) => void

/**
 * Sends a streaming snapshot request and reads its NDJSON answer: each progress line goes to
 * `onProgress`, the `done` line gives the result and a `failed` line becomes the error class of its
 * code. Errors found before the work starts arrive as ordinary error responses (thrown by the
 * transport). A connection lost mid-stream is retried like any failed attempt: taking a snapshot
 * again is safe, the same files give the same version and the stat cache makes the repeat cheap.
 */
export function readSnapshotStream(
  transport: Transport,
  path: string,
  body: object,
  onProgress?: SnapshotProgress,
  headers: Record<string, string> = {},
): Promise<SnapshotResponse> {
  const json = JSON.stringify({ ...body, stream: true })
  return transport.request(
    {
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json', accept: 'application/x-ndjson', ...headers },
      body: () => json,
      // A million-file snapshot takes minutes; progress lines keep the connection busy meanwhile.
      timeoutMs: 0,
    },
    async (res) => {
      // A server that ignores `stream` answers with plain JSON; accept that too.
      if (!(res.headers.get('content-type') ?? '').includes('ndjson')) {
        const result = (await res.json()) as SnapshotResponse
        return result
      }
      for await (const line of ndjsonLines(res.body)) {
        const event = JSON.parse(line) as SnapshotEvent
        if (event.phase === 'done') {
          if (!event.version) throw new ApiError('INTERNAL_ERROR', 'The snapshot stream ended without its version')
          onProgress?.(event)
          return { version: event.version, reused: event.reused ?? false }
        }
        if (event.phase === 'failed') {
          const code = event.error?.error_code ?? 'INTERNAL_ERROR'
          throw errorFromBody(STATUS[code as keyof typeof STATUS] ?? 500, event.error ?? { message: 'The snapshot failed' })
        }
        onProgress?.(event)
      }
      // Not an ApiError: the transport retries a stream that broke off before its last line.
      throw new Error('The snapshot stream ended before the snapshot did')
    },
  )
}
