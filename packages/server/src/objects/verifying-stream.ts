import { Transform, type TransformCallback } from 'node:stream'
import { hasherFor, type ContentHasher } from '@railyard/content-id'

/**
 * Passes bytes through while hashing them, holding back the latest chunk until the whole content
 * matched `oid` (and `expectedSize`, when given): on a mismatch the stream fails before its end,
 * with the error `onMismatch` makes (given the id the bytes had, once all were hashed), so a reader
 * never gets a complete-looking copy of changed or corrupt data.
 */
export class VerifyingStream extends Transform {
  private readonly hash: ContentHasher
  private held?: Buffer
  private size = 0

  constructor(
    private readonly oid: string,
    private readonly expectedSize: number | undefined,
    private readonly onMismatch: (actualId?: string) => Error,
  ) {
    super()
    this.hash = hasherFor(oid)
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk)
    this.size += chunk.length
    if (this.expectedSize !== undefined && this.size > this.expectedSize) return done(this.onMismatch())
    const previous = this.held
    this.held = chunk
    done(null, previous)
  }

  override _flush(done: TransformCallback): void {
    const actual = this.hash.id()
    if (actual !== this.oid || (this.expectedSize !== undefined && this.size !== this.expectedSize)) return done(this.onMismatch(actual))
    done(null, this.held)
  }
}
