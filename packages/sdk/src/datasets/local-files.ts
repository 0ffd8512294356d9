import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { InvalidParameterError } from '@railyard/api'
import { algorithmForSize, contentHasher } from '@railyard/content-id'

/**
 * Where a version's file goes below `dir`. Manifest paths are relative and `/`-separated; one that
 * would land outside `dir` (absolute, `..`, a drive letter) is refused rather than written.
 */
export function localPathOf(dir: string, filePath: string): string {
  const parts = filePath.split('/')
  if (filePath === '' || filePath.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\') || /^[a-zA-Z]:/.test(p))) {
    throw new InvalidParameterError(`Refusing to write dataset file '${filePath}': its path would leave the target folder`)
  }
  return path.join(dir, ...parts)
}

/** The content id of a local file (SHA-256 up to 1 MiB, BLAKE3 above), streamed; undefined when it does not exist or has another size. */
export async function localOidIfSize(file: string, size: number): Promise<string | undefined> {
  let stat: fs.Stats
  try {
    stat = await fsp.stat(file)
  } catch {
    return undefined
  }
  if (!stat.isFile() || stat.size !== size) return undefined
  const hash = contentHasher(algorithmForSize(size))
  // Small files, the common case in datasets, are one read instead of a stream's machinery.
  if (size <= 1 << 20) hash.update(await fsp.readFile(file))
  else for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 << 20 })) hash.update(chunk as Buffer)
  return hash.id()
}
