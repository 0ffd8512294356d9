import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'

/** A temporary name next to `dest` (same folder, so the rename is atomic), hidden and marked `.part`. */
export function tempNameFor(dest: string): string {
  return path.join(path.dirname(dest), `.${path.basename(dest)}.${process.pid}.${Math.random().toString(36).slice(2)}.part`)
}

// Files up to this size are written with synchronous calls: four thread-pool round trips (open,
// write, close, rename) cost more than the writes themselves when a version has many small files.
const SYNC_WRITE_MAX = 64 * 1024

/** Writes `bytes` to `dest` through a temporary name: `dest` is the old file or the whole new one, never a partial one. */
export async function writeFileAtomically(dest: string, bytes: Uint8Array): Promise<void> {
  const tmp = tempNameFor(dest)
  if (bytes.length <= SYNC_WRITE_MAX) {
    try {
      fs.writeFileSync(tmp, bytes)
      fs.renameSync(tmp, dest)
    } catch (err) {
      fs.rmSync(tmp, { force: true })
      throw err
    }
    return
  }
  try {
    await fsp.writeFile(tmp, bytes)
    await fsp.rename(tmp, dest)
  } catch (err) {
    await fsp.rm(tmp, { force: true })
    throw err
  }
}

/** Creates each folder once, however many files land in it. */
export class Folders {
  private readonly made = new Map<string, Promise<unknown>>()

  /** Makes sure the folder holding `file` exists. */
  parentOf(file: string): Promise<unknown> {
    const dir = path.dirname(file)
    let made = this.made.get(dir)
    if (!made) {
      made = fsp.mkdir(dir, { recursive: true })
      // A failed mkdir is tried again by the next file rather than remembered.
      made.catch(() => this.made.delete(dir))
      this.made.set(dir, made)
    }
    return made
  }
}
