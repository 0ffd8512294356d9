import { randomBytes } from 'node:crypto'

/**
 * A new run id: 32 hex digits like MLflow's `uuid4().hex`, laid out as a UUIDv7 (RFC 9562)
 * instead. Its first 48 bits are the creation time in milliseconds, so new runs sort together
 * and their rows land on the same B-tree pages of every index keyed by run id (runs, params,
 * tags, metrics), rather than on one random page per index and run: that made creating runs
 * and their first batch about twice as fast on SQLite. The other 74 bits are random.
 */
export function newRunId(now: number = Date.now()): string {
  const tail = randomTail()
  tail[0] = (tail[0] & 0x0f) | 0x70 // version 7
  tail[2] = (tail[2] & 0x3f) | 0x80 // RFC 9562 variant
  return Math.max(0, Math.floor(now)).toString(16).padStart(12, '0').slice(-12) + tail.toString('hex')
}

// Random bytes drawn from a pool, as crypto.randomUUID does: one randomBytes call per id cost
// more than the rest of making it.
const TAIL = 10
let pool = Buffer.alloc(0)
let offset = 0

function randomTail(): Buffer {
  if (offset + TAIL > pool.length) {
    pool = randomBytes(TAIL * 256)
    offset = 0
  }
  const tail = Buffer.from(pool.subarray(offset, offset + TAIL))
  offset += TAIL
  return tail
}
