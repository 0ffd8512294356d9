import { createHash, randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'

/**
 * A stream of `total` pseudo-random bytes in chunks of `chunkSize` (an odd size by default, so
 * chunk and part boundaries never line up), generated as it is read. It has no known length, as an
 * upload from a pipe would. `digest()` gives the sha256 of what was produced.
 */
export function randomStream(total: number, chunkSize = 65_537): { stream: Readable; digest(): string } {
  const hash = createHash('sha256')
  let left = total
  const stream = new Readable({
    read() {
      if (left === 0) return void this.push(null)
      const chunk = randomBytes(Math.min(chunkSize, left))
      left -= chunk.length
      hash.update(chunk)
      this.push(chunk)
    },
  })
  return { stream, digest: () => hash.copy().digest('hex') }
}

/** A stream that yields `bytes` bytes and then fails with `error`. */
export function failingStream(bytes: number, error = new Error('source failed')): Readable {
  let sent = 0
  return new Readable({
    read() {
      if (sent >= bytes) return void this.destroy(error)
      const chunk = Buffer.alloc(Math.min(65_536, bytes - sent), 7)
      sent += chunk.length
      this.push(chunk)
    },
  })
}

/** sha256 and size of everything a stream yields. */
export async function digestOf(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of stream) {
    hash.update(chunk)
    size += chunk.length
  }
  return { sha256: hash.digest('hex'), size }
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks)
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}
