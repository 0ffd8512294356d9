import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

export interface Generated {
  files: number
  bytes: number
  seconds: number
}

/** A small deterministic PRNG (mulberry32), so every run generates the same sizes. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * `count` files of `minBytes`–`maxBytes` (uniform) below `root`, `perDir` per folder, each with
 * distinct content (its index, then bytes from a random pool at a varying offset).
 */
export function generateSmallFiles(
  root: string,
  count: number,
  opts: { minBytes: number; maxBytes: number; perDir?: number; seed?: number; prefix?: string },
): Generated {
  const started = performance.now()
  const perDir = opts.perDir ?? 1000
  const random = prng(opts.seed ?? 1)
  const pool = randomBytes(1 << 20)
  let bytes = 0
  let dir = ''
  for (let i = 0; i < count; i++) {
    if (i % perDir === 0) {
      dir = path.join(root, `${opts.prefix ?? 'part'}-${String(Math.floor(i / perDir)).padStart(5, '0')}`)
      fs.mkdirSync(dir, { recursive: true })
    }
    const size = opts.minBytes + Math.floor(random() * (opts.maxBytes - opts.minBytes + 1))
    const offset = Math.floor(random() * (pool.length - size))
    const content = Buffer.from(pool.subarray(offset, offset + size))
    content.write(`${i}\n`.slice(0, size), 0)
    fs.writeFileSync(path.join(dir, `file-${String(i).padStart(7, '0')}.bin`), content)
    bytes += size
  }
  return { files: count, bytes, seconds: (performance.now() - started) / 1000 }
}

/** One file of `bytes` random-looking bytes, written in 32 MiB blocks. */
export function generateLargeFile(file: string, bytes: number): Generated {
  const started = performance.now()
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const block = randomBytes(32 << 20)
  const fd = fs.openSync(file, 'w')
  try {
    for (let written = 0, i = 0; written < bytes; i++) {
      // Blocks differ from each other, so the content is not periodic.
      block.writeUInt32LE(i, 0)
      const n = Math.min(block.length, bytes - written)
      fs.writeSync(fd, block, 0, n)
      written += n
    }
  } finally {
    fs.closeSync(fd)
  }
  return { files: 1, bytes, seconds: (performance.now() - started) / 1000 }
}
