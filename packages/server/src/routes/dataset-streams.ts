import { once } from 'node:events'
import type { ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import {
  ApiError,
  DATASET_PREFIXES,
  NDJSON,
  READ_FILES_CONTENT_TYPE,
  datasetEndpoints,
  type DatasetRequestOf as D,
  type SnapshotEvent,
} from '@railyard/api'
import type { DatasetServices } from '../services/datasets/dataset-services.js'
import { ReceiverGoneError, type FrameSink } from '../services/datasets/file-frames.js'
import { compact } from '../services/wire.js'
import { actorOf } from './registry-actor.js'

/**
 * The dataset endpoints that do not answer with one JSON object: the snapshot's NDJSON progress,
 * the manifest stream, one file's bytes, and many files' bytes. Failures found before the first byte are ordinary
 * JSON error responses.
 */
export function datasetStreamRoutes(app: FastifyInstance, ds: DatasetServices): void {
  for (const prefix of DATASET_PREFIXES) {
    app.post(prefix + datasetEndpoints.snapshotDataset.path, { schema: { body: datasetEndpoints.snapshotDataset.request } }, async (req, reply) => {
      const body = req.body as D<'snapshotDataset'>
      const job = await ds.prepareSnapshot(body, actorOf(req).who)
      if (body.stream === false) {
        const { version, reused } = await job.run()
        return compact({ version, reused })
      }
      reply.hijack()
      const res = reply.raw
      res.writeHead(200, { 'content-type': `${NDJSON}; charset=utf-8`, 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' })
      let last: SnapshotEvent = { phase: 'listing', files_done: 0, files_total: 0, bytes_done: 0, bytes_total: 0 }
      const send = (event: SnapshotEvent) => {
        if (!res.destroyed) res.write(`${JSON.stringify(compact(event))}\n`)
      }
      try {
        const { version, reused } = await job.run((event) => {
          last = event
          send(event)
        })
        send({ ...last, phase: 'done', files_done: last.files_total, bytes_done: last.bytes_total, version, reused })
      } catch (err) {
        const error = err instanceof ApiError ? err.toBody() : { error_code: 'INTERNAL_ERROR', message: 'The snapshot failed; details are in the server log.' }
        if (!(err instanceof ApiError) || err.status >= 500) req.log.error({ err }, 'snapshot failed')
        send({ ...last, phase: 'failed', error })
      } finally {
        if (!res.destroyed) {
          res.end()
          await once(res as ServerResponse, 'finish').catch(() => {})
        }
      }
    })

    app.get(prefix + datasetEndpoints.streamDatasetFiles.path, { schema: { querystring: datasetEndpoints.streamDatasetFiles.request } }, async (req, reply) => {
      const { version, body } = await ds.manifest(req.query as D<'streamDatasetFiles'>)
      return reply
        .header('content-type', `${NDJSON}; charset=utf-8`)
        .header('content-length', String(version.manifest_bytes))
        .header('x-railyard-version-id', version.version_id)
        .header('x-railyard-file-count', String(version.file_count))
        .send(body)
    })

    app.post(prefix + datasetEndpoints.readDatasetFiles.path, { schema: { body: datasetEndpoints.readDatasetFiles.request } }, async (req, reply) => {
      const job = await ds.readFiles(req.body as D<'readDatasetFiles'>)
      reply.hijack()
      const res = reply.raw
      res.writeHead(200, { 'content-type': READ_FILES_CONTENT_TYPE, 'cache-control': 'no-cache, no-transform', 'x-content-type-options': 'nosniff' })
      try {
        await job.run(sinkOf(res), (err, path) => req.log.error({ err, path }, 'reading a dataset file failed'))
        res.end()
        await once(res as ServerResponse, 'finish').catch(() => {})
      } catch (err) {
        // Without its trailer the body reads as cut short, which is what it is.
        if (!(err instanceof ReceiverGoneError)) req.log.error({ err }, 'reading dataset files failed')
        res.destroy()
      }
    })

    app.get(prefix + datasetEndpoints.readDatasetFile.path, { schema: { querystring: datasetEndpoints.readDatasetFile.request } }, async (req, reply) => {
      const { entry, body } = await ds.openFile(req.query as D<'readDatasetFile'>)
      return (
        reply
          .header('content-type', 'application/octet-stream')
          // A transfer cut short by a failed hash check is visibly incomplete.
          .header('content-length', String(entry.size))
          .header('x-railyard-oid', entry.oid)
          .header('x-content-type-options', 'nosniff')
          .send(body)
      )
    })
  }
}

/** Writes to a response, resolving once it has room again; ReceiverGoneError once the client left. */
function sinkOf(res: ServerResponse): FrameSink {
  let gone = res.destroyed
  const waiters = new Set<() => void>()
  res.on('close', () => {
    gone = true
    for (const w of waiters) w()
  })
  return {
    async write(chunk) {
      if (gone) throw new ReceiverGoneError()
      if (res.write(chunk)) return
      await new Promise<void>((resolve) => {
        const done = () => {
          waiters.delete(done)
          res.off('drain', done)
          resolve()
        }
        waiters.add(done)
        res.on('drain', done)
      })
      if (gone) throw new ReceiverGoneError()
    },
  }
}
