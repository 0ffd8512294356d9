import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import type { Blake3Hasher } from '@napi-rs/blake-hash'

/** The digests a content id may name. */
export type ContentAlgorithm = 'sha256' | 'blake3'

/**
 * Dataset files larger than this are named by BLAKE3, smaller ones by SHA-256. Part of the format:
 * changing it changes version ids. SHA-256 (with the CPU's SHA instructions) is the faster of the
 * two on small inputs, where a call costs more than the bytes; BLAKE3 hashes large files about
 * 2.5× faster, fast enough to keep up with reading them. The same content always has the same
 * size, so it always gets the same id.
 */
export const BLAKE3_ABOVE = 1024 * 1024

const CONTENT_ID = /^(sha256|blake3):([0-9a-f]{64})$/

/** Incremental hashing of one content; `id()` once, after the last update. */
export interface ContentHasher {
  readonly algorithm: ContentAlgorithm
  update(chunk: Uint8Array): void
  /** `algorithm:<64 lowercase hex digits>`. */
  id(): string
}

/** The algorithm a file of `size` bytes is named by (dataset manifests follow this rule). */
export function algorithmForSize(size: number): ContentAlgorithm {
  return size > BLAKE3_ABOVE ? 'blake3' : 'sha256'
}

/** The parts of a well-formed content id, or undefined. */
export function parseContentId(id: unknown): { algorithm: ContentAlgorithm; hex: string } | undefined {
  const m = typeof id === 'string' ? CONTENT_ID.exec(id) : null
  return m ? { algorithm: m[1] as ContentAlgorithm, hex: m[2] } : undefined
}

export function isContentId(id: unknown): id is string {
  return parseContentId(id) !== undefined
}

/** A hasher for the algorithm a content id names (or an algorithm given by name). */
export function contentHasher(algorithm: ContentAlgorithm): ContentHasher {
  if (algorithm === 'sha256') {
    const hash = createHash('sha256')
    return { algorithm, update: (chunk) => void hash.update(chunk), id: () => `sha256:${hash.digest('hex')}` }
  }
  const hash = new (blake3Module().Blake3Hasher)()
  return { algorithm, update: (chunk) => void hash.update(chunk), id: () => `blake3:${hash.digest('hex')}` }
}

/** A hasher for the algorithm of an existing id, e.g. to verify bytes against it. */
export function hasherFor(id: string): ContentHasher {
  const parsed = parseContentId(id)
  if (!parsed) throw new Error(`Not a content id: '${id}'`)
  return contentHasher(parsed.algorithm)
}

/** The id of bytes in memory, by the size rule unless an algorithm is given. */
export function contentIdOf(bytes: Uint8Array, algorithm: ContentAlgorithm = algorithmForSize(bytes.length)): string {
  if (algorithm === 'sha256') return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
  return `blake3:${blake3Module().blake3(bytes).toString('hex')}`
}

interface Blake3Module {
  Blake3Hasher: new () => Blake3Hasher
  blake3(input: Uint8Array): Buffer
}

let loaded: Blake3Module | undefined

// Loaded on first use: a process that never meets a large file never loads the native addon, and
// a platform without a prebuilt binary fails only where BLAKE3 is needed, with a message saying so.
function blake3Module(): Blake3Module {
  if (loaded) return loaded
  try {
    loaded = createRequire(import.meta.url)('@napi-rs/blake-hash') as Blake3Module
  } catch (err) {
    throw new Error(
      `BLAKE3 is needed for files over ${BLAKE3_ABOVE} bytes, but its native module (@napi-rs/blake-hash) did not load on ${process.platform}-${process.arch}: ${(err as Error).message}`,
    )
  }
  return loaded
}
