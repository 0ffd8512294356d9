import fs from 'node:fs'
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import type { DatasetFile } from '@railyard/api'

/** A version's file list kept in a local temporary file: read back as often as needed, then removed. */
export interface SpooledFiles {
  count: number
  files(): AsyncGenerator<DatasetFile>
  remove(): Promise<void>
}

/**
 * Copies a (verified) file list to a temporary file before anything acts on it. Long jobs over a
 * version (materializing a million files) then never hold a connection open for their whole
 * length, and the manifest's hash has been checked before the first file is written.
 */
export async function spoolFiles(files: AsyncIterable<DatasetFile>): Promise<SpooledFiles> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'railyard-files-'))
  const file = path.join(dir, 'files.ndjson')
  const remove = () => fsp.rm(dir, { recursive: true, force: true })
  try {
    const out = fs.createWriteStream(file)
    const failed = new Promise<never>((_, reject) => out.once('error', reject))
    failed.catch(() => {})
    let count = 0
    let chunk = ''
    for await (const f of files) {
      chunk += `${JSON.stringify(f)}\n`
      count++
      if (chunk.length >= 1 << 16) {
        if (!out.write(chunk)) await Promise.race([new Promise<void>((resolve) => out.once('drain', () => resolve())), failed])
        chunk = ''
      }
    }
    out.end(chunk)
    await Promise.race([new Promise<void>((resolve) => out.once('finish', () => resolve())), failed])
    return {
      count,
      async *files() {
        const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })
        for await (const line of lines) if (line) yield JSON.parse(line) as DatasetFile
      },
      remove,
    }
  } catch (err) {
    await remove()
    throw err
  }
}
