import { ApiError } from '@railyard/api'

// A header line is a path and two ids; anything this long is not one.
const MAX_LINE = 1 << 20
const EMPTY = new Uint8Array(0)

/**
 * Reads the framed body of `readDatasetFiles` (header lines, each followed by raw bytes) from a
 * fetch body, without holding more than the chunk at hand. The end of the body is reported, never
 * thrown; a connection that breaks rejects with fetch's own error (a TypeError).
 */
export class FrameReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>
  private chunk: Uint8Array = EMPTY
  private at = 0
  private readonly decoder = new TextDecoder('utf-8', { fatal: true })

  constructor(body: ReadableStream<Uint8Array>) {
    this.reader = body.getReader()
  }

  /** The next line without its `\n`; undefined when the body ends first (a partial line included). */
  async line(): Promise<string | undefined> {
    const parts: Uint8Array[] = []
    let length = 0
    for (;;) {
      if (this.at >= this.chunk.length && !(await this.fill())) return undefined
      const nl = this.chunk.indexOf(10, this.at)
      const end = nl >= 0 ? nl : this.chunk.length
      parts.push(this.chunk.subarray(this.at, end))
      length += end - this.at
      this.at = nl >= 0 ? nl + 1 : end
      if (nl >= 0) {
        try {
          return this.decoder.decode(parts.length === 1 ? parts[0] : Buffer.concat(parts))
        } catch {
          throw new ApiError('INTERNAL_ERROR', 'The file stream has a header line that is not UTF-8')
        }
      }
      if (length > MAX_LINE) throw new ApiError('INTERNAL_ERROR', `The file stream has a header line over ${MAX_LINE} bytes`)
    }
  }

  /** Hands exactly `n` bytes to `take`, as they arrive; false when the body ends first. */
  async bytes(n: number, take: (chunk: Uint8Array) => void | Promise<void>): Promise<boolean> {
    while (n > 0) {
      if (this.at >= this.chunk.length && !(await this.fill())) return false
      const size = Math.min(n, this.chunk.length - this.at)
      await take(this.chunk.subarray(this.at, this.at + size))
      this.at += size
      n -= size
    }
    return true
  }

  /** Stops reading and lets the connection go. */
  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => {})
  }

  private async fill(): Promise<boolean> {
    const { value, done } = await this.reader.read()
    if (done) return false
    this.chunk = value
    this.at = 0
    return true
  }
}
