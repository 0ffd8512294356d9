import { once } from 'node:events'
import type { ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { RUN_LOGS_PREFIXES, runLogEndpoints, type RunLogRequestOf, type RunLogStreamEnd } from '@railyard/api'
import type { RunLogsService } from '../services/run-logs.js'
import { mountEndpoints } from '../http/mlflow-routes.js'

/** Idle streams get a comment this often, so proxies and clients don't time them out. */
const PING_MS = 15_000

export function runLogRoutes(app: FastifyInstance, runLogs: RunLogsService): void {
  mountEndpoints(
    app,
    runLogEndpoints,
    {
      appendRunLogs: (r: RunLogRequestOf<'appendRunLogs'>) => runLogs.append(r),
      getRunLogs: (r: RunLogRequestOf<'getRunLogs'>) => runLogs.read(r),
    },
    RUN_LOGS_PREFIXES,
  )

  // Open streams would keep app.close() waiting forever; end them first.
  const open = new Set<AbortController>()
  app.addHook('preClose', async () => {
    for (const c of open) c.abort()
  })

  for (const prefix of RUN_LOGS_PREFIXES) {
    app.get(
      prefix + runLogEndpoints.streamRunLogs.path,
      { schema: { querystring: runLogEndpoints.streamRunLogs.request } },
      async (req, reply) => {
        const q = req.query as RunLogRequestOf<'streamRunLogs'>
        const lastEventId = req.headers['last-event-id']
        // Validation errors and unknown runs throw here, before the stream starts, as JSON errors.
        const { runId, afterSeq } = await runLogs.openStream(q.run_id, q.after_seq, typeof lastEventId === 'string' ? lastEventId : undefined)

        const controller = new AbortController()
        open.add(controller)
        reply.hijack()
        const res = reply.raw
        res.on('close', () => controller.abort())
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        })
        res.write(': stream of run output log\n\n')
        const ping = setInterval(() => res.write(': ping\n\n'), PING_MS)
        try {
          for await (const event of runLogs.follow(runId, afterSeq, controller.signal)) {
            if (event.type === 'lines') {
              const chunk = event.lines.map((l) => `id: ${l.seq}\nevent: line\ndata: ${JSON.stringify(l)}\n\n`).join('')
              await write(res, chunk, controller.signal)
            } else {
              const end: RunLogStreamEnd = { run_id: runId, status: event.status, deleted: event.deleted, last_seq: event.lastSeq }
              await write(res, `event: end\ndata: ${JSON.stringify(end)}\n\n`, controller.signal)
            }
          }
        } catch (err) {
          if (!controller.signal.aborted) {
            req.log.error({ err }, 'run log stream failed')
            res.write(`event: error\ndata: ${JSON.stringify({ error_code: 'INTERNAL_ERROR', message: 'The log stream failed; details are in the server log.' })}\n\n`)
          }
        } finally {
          clearInterval(ping)
          open.delete(controller)
          if (!res.destroyed) res.end()
        }
      },
    )
  }
}

/** Writes and, when the client reads slower than lines come, waits for it instead of buffering without bound. */
async function write(res: ServerResponse, chunk: string, signal: AbortSignal): Promise<void> {
  if (res.write(chunk)) return
  await once(res, 'drain', { signal })
}
