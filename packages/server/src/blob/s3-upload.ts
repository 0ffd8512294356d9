import type { Readable } from 'node:stream'
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3'
import { fixedSizeChunks } from './fixed-size-chunks.js'

// S3's own limits: parts other than the last must be at least 5 MiB, and an upload has at most
// 10,000 parts (so 8 MiB parts allow objects up to ~78 GiB).
export const MIN_PART_SIZE = 5 * 1024 * 1024
const MAX_PARTS = 10_000

export interface UploadOptions {
  partSize: number
  /** Parts uploaded at once; memory held is about (concurrency + 1) × partSize. */
  concurrency: number
}

/**
 * Uploads a stream of unknown length. A stream shorter than one part becomes a single PutObject;
 * anything longer becomes a multipart upload, which S3 only makes visible when it completes (so
 * readers never see a part of it) and which is aborted if anything fails.
 */
export async function uploadStream(
  client: S3Client,
  target: { Bucket: string; Key: string },
  body: Readable,
  opts: UploadOptions,
): Promise<void> {
  const parts = fixedSizeChunks(body, opts.partSize)
  try {
    const first = await parts.next()
    const firstChunk = first.done ? Buffer.alloc(0) : first.value
    if (firstChunk.length < opts.partSize) {
      await client.send(new PutObjectCommand({ ...target, Body: firstChunk }))
      return
    }
    await multipartUpload(client, target, firstChunk, parts, opts)
  } finally {
    await parts.return(undefined)
  }
}

async function multipartUpload(
  client: S3Client,
  target: { Bucket: string; Key: string },
  firstChunk: Buffer,
  rest: AsyncGenerator<Buffer>,
  opts: UploadOptions,
): Promise<void> {
  const { UploadId } = await client.send(new CreateMultipartUploadCommand(target))
  if (!UploadId) throw new Error('S3 returned no UploadId for CreateMultipartUpload')
  const completed: CompletedPart[] = []
  const inFlight = new Set<Promise<void>>()
  // A failed part is recorded here rather than left as a rejected promise nobody awaits yet.
  let failure: unknown
  const startPart = (PartNumber: number, Body: Buffer) => {
    const upload = client
      .send(new UploadPartCommand({ ...target, UploadId, PartNumber, Body }))
      .then(
        (out) => void completed.push({ PartNumber, ETag: out.ETag }),
        (err) => void (failure ??= err),
      )
      .finally(() => inFlight.delete(upload))
    inFlight.add(upload)
  }
  try {
    let partNumber = 1
    startPart(partNumber, firstChunk)
    for (;;) {
      if (inFlight.size >= opts.concurrency) await Promise.race(inFlight)
      if (failure) throw failure
      const next = await rest.next()
      if (next.done) break
      if (++partNumber > MAX_PARTS) {
        throw new Error(`Stream too large for ${MAX_PARTS} parts of ${opts.partSize} bytes; raise partSize`)
      }
      startPart(partNumber, next.value)
    }
    await Promise.all(inFlight)
    if (failure) throw failure
    completed.sort((a, b) => a.PartNumber! - b.PartNumber!)
    await client.send(
      new CompleteMultipartUploadCommand({ ...target, UploadId, MultipartUpload: { Parts: completed } }),
    )
  } catch (err) {
    await Promise.allSettled(inFlight)
    await client.send(new AbortMultipartUploadCommand({ ...target, UploadId })).catch(() => {})
    throw err
  }
}
