import { Transform, type TransformCallback } from 'node:stream'
import { hasherFor, type ContentHasher } from '@railyard/content-id'

/**
 * Passes bytes through while hashing them, holding back the latest chunk until the whole content
 * matched `oid` and `size`: on a mismatch the stream fails before its end, so a reader never gets
 * a complete-looking copy of changed data.
 */
export class VerifyingStream extends Transform {
  private readonly hash: ContentHasher
  private held?: Buffer
  private size = 0

  constructor(
    private readonly oid: string,
    private readonly expectedSize: number,
    private readonly onMismatch: () => Error,
  ) {
    super()
    this.hash = hasherFor(oid)
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk)
    this.size += chunk.length
    if (this.size > this.expectedSize) return done(this.onMismatch())
    const previous = this.held
    this.held = chunk
    done(null, previous)
  }

  override _flush(done: TransformCallback): void {
    const actual = this.hash.id()
    if (actual !== this.oid || this.size !== this.expectedSize) return done(this.onMismatch())
    done(null, this.held)
  }
}
