import { parseContentId } from '@railyard/content-id'

const DIGEST = 32
const SLOT = DIGEST + 1 // algorithm tag (0 = empty slot), then the digest
const TAGS = { sha256: 1, blake3: 2 } as const
const MAX_LOAD = 0.7

/**
 * A set of content ids held as raw digests in one open-addressing table: 33 bytes a slot, 47–94
 * bytes an id with the table's headroom, where a Set of id strings costs about 150. The mark
 * phase of gc holds every id the database references (a million-file dataset puts a million
 * hashes in the stat cache), so this is gc's memory. Digests are uniformly random, so their first
 * bytes are the hash. Anything that is not a content id is kept in a plain Set.
 */
export class OidSet {
  private table = Buffer.alloc(1024 * SLOT)
  private capacity = 1024
  private stored = 0
  private readonly others = new Set<string>()

  /** Bytes of the digest table (the ids that are not content ids are not counted). */
  get tableBytes(): number {
    return this.table.length
  }

  get size(): number {
    return this.stored + this.others.size
  }

  add(oid: string): void {
    const parsed = parseContentId(oid)
    if (!parsed) {
      this.others.add(oid)
      return
    }
    if ((this.stored + 1) / this.capacity > MAX_LOAD) this.grow()
    if (this.insert(TAGS[parsed.algorithm], Buffer.from(parsed.hex, 'hex'))) this.stored++
  }

  has(oid: string): boolean {
    const parsed = parseContentId(oid)
    if (!parsed) return this.others.has(oid)
    return this.find(TAGS[parsed.algorithm], Buffer.from(parsed.hex, 'hex')) >= 0
  }

  /** The slot holding (tag, digest), or -1. */
  private find(tag: number, digest: Buffer): number {
    for (let slot = this.home(digest); ; slot = (slot + 1) & (this.capacity - 1)) {
      const at = slot * SLOT
      const t = this.table[at]
      if (t === 0) return -1
      if (t === tag && this.table.compare(digest, 0, DIGEST, at + 1, at + SLOT) === 0) return slot
    }
  }

  /** Puts (tag, digest) in its slot; false when it was there already. */
  private insert(tag: number, digest: Buffer): boolean {
    for (let slot = this.home(digest); ; slot = (slot + 1) & (this.capacity - 1)) {
      const at = slot * SLOT
      const t = this.table[at]
      if (t === 0) {
        this.table[at] = tag
        digest.copy(this.table, at + 1, 0, DIGEST)
        return true
      }
      if (t === tag && this.table.compare(digest, 0, DIGEST, at + 1, at + SLOT) === 0) return false
    }
  }

  private home(digest: Buffer): number {
    return digest.readUInt32LE(0) & (this.capacity - 1)
  }

  private grow(): void {
    const old = this.table
    const oldCapacity = this.capacity
    this.capacity *= 2
    this.table = Buffer.alloc(this.capacity * SLOT)
    for (let slot = 0; slot < oldCapacity; slot++) {
      const at = slot * SLOT
      if (old[at] !== 0) this.insert(old[at], old.subarray(at + 1, at + SLOT))
    }
  }
}
