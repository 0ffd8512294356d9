import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { ApiError } from '@railyard/api'

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

// Errors that can mean something already in the local folder stands where a file or its folder goes.
const BLOCKED = new Set(['EEXIST', 'EISDIR', 'ENOTDIR', 'ENOTEMPTY', 'EACCES', 'EPERM', 'ENAMETOOLONG'])

/**
 * Why `dest` could not be written, in plain words, when `err` (from making its folder, opening its
 * temporary file or renaming it into place) comes from what the local folder holds (a folder where
 * the file goes, a file where one of its folders goes, no permission, a name too long), as a
 * RESOURCE_CONFLICT: the folder's state, not the request, is what is wrong. Undefined for any other
 * error (a full disk, a broken transfer), which the caller should let through.
 */
export async function localObstacle(dest: string, err: unknown): Promise<ApiError | undefined> {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  if (!code || !BLOCKED.has(code)) return undefined
  if (await isFolder(dest)) return conflict(`a folder is in the way: '${dest}' is a folder, not a file`)
  const file = await fileInTheWayOf(path.dirname(dest))
  if (file) return conflict(`a file is in the way: '${file}' is a file, not a folder`)
  if (code === 'EACCES' || code === 'EPERM') return conflict(`no permission to write in '${path.dirname(dest)}'`)
  if (code === 'ENAMETOOLONG') return conflict('its name is too long for the local file system')
  return undefined
}

/** The file (anything but a folder) that keeps `dir` from being a folder: `dir` itself or the nearest existing path above it. */
export async function fileInTheWayOf(dir: string): Promise<string | undefined> {
  for (let at = dir; ; at = path.dirname(at)) {
    try {
      return (await fsp.stat(at)).isDirectory() ? undefined : at
    } catch {
      // Missing (or below a file): look one level up.
      if (path.dirname(at) === at) return undefined
    }
  }
}

const conflict = (why: string) => new ApiError('RESOURCE_CONFLICT', why)

async function isFolder(p: string): Promise<boolean> {
  return fsp.stat(p).then((s) => s.isDirectory(), () => false)
}
