import type { Readable } from 'node:stream'

/**
 * Re-cuts a byte stream into chunks of exactly `size` bytes (the last one may be shorter), holding
 * at most one chunk in memory. Breaking out of the iteration destroys the source stream.
 */
export async function* fixedSizeChunks(stream: Readable, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = []
  let pendingBytes = 0
  for await (const data of stream) {
    let buf = toBuffer(data)
    while (pendingBytes + buf.length >= size) {
      const take = size - pendingBytes
      pending.push(buf.subarray(0, take))
      yield Buffer.concat(pending, size)
      pending = []
      pendingBytes = 0
      buf = buf.subarray(take)
    }
    if (buf.length > 0) {
      pending.push(buf)
      pendingBytes += buf.length
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes)
}

function toBuffer(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data
  if (typeof data === 'string') return Buffer.from(data)
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  throw new TypeError(`Blob bodies must be byte streams, got a chunk of type ${typeof data}`)
}
