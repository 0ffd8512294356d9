import { createHash, randomBytes } from 'node:crypto'
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

/**
 * Where downloaded models are kept: RAILYARD_MODEL_CACHE, else `$XDG_CACHE_HOME/railyard/models`,
 * else `~/.cache/railyard/models`.
 */
export function defaultModelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RAILYARD_MODEL_CACHE) return path.resolve(env.RAILYARD_MODEL_CACHE)
  const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache')
  return path.join(base, 'railyard', 'models')
}

/**
 * A directory of downloaded models. Each entry is a complete model directory under a key that
 * names its content (a registered version's tree id) or its immutable origin (a run's path), so
 * once present it is never rewritten. An entry is built in a scratch directory and moved into
 * place with one rename: readers never see half an entry, and when several processes race for
 * the same key the first rename wins and the others drop their copies. Small refs map names
 * (`models:/NAME/VERSION`) to entries.
 */
export class ModelCache {
  private readonly pending = new Map<string, Promise<string>>()

  constructor(readonly root: string) {}

  /** The entry's directory (it may not exist). */
  entryDir(key: string): string {
    return path.join(this.root, 'entries', key)
  }

  /** The entry's directory when it is complete, else undefined. */
  async lookup(key: string): Promise<string | undefined> {
    const dir = this.entryDir(key)
    return (await isDir(dir)) ? dir : undefined
  }

  /**
   * The entry's directory, built by `fill` when absent (or always, with `refresh`, in which case
   * the new copy replaces the old one). `fill` gets an empty scratch directory and returns the
   * directory (inside it) that becomes the entry. Concurrent calls for one key in this process
   * share one build.
   */
  ensure(key: string, fill: (scratch: string) => Promise<string>, opts: { refresh?: boolean } = {}): Promise<string> {
    const running = this.pending.get(key)
    if (running) return running
    const job = this.build(key, fill, opts.refresh ?? false).finally(() => this.pending.delete(key))
    this.pending.set(key, job)
    return job
  }

  /** The value stored under a ref, if any. */
  async readRef(name: string): Promise<string | undefined> {
    try {
      return await fsp.readFile(this.refFile(name), 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
  }

  /** Stores a ref atomically (write to a temporary file, then rename). */
  async writeRef(name: string, value: string): Promise<void> {
    const file = this.refFile(name)
    await fsp.mkdir(path.dirname(file), { recursive: true })
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
    await fsp.writeFile(tmp, value)
    await fsp.rename(tmp, file)
  }

  private async build(key: string, fill: (scratch: string) => Promise<string>, refresh: boolean): Promise<string> {
    const dir = this.entryDir(key)
    if (!refresh && (await isDir(dir))) return dir
    const tmpRoot = path.join(this.root, 'tmp')
    await fsp.mkdir(tmpRoot, { recursive: true })
    await fsp.mkdir(path.dirname(dir), { recursive: true })
    const scratch = await fsp.mkdtemp(path.join(tmpRoot, `${key.slice(0, 24)}-`))
    try {
      const built = await fill(scratch)
      if (refresh && (await isDir(dir))) {
        // Move the old copy aside first: a rename over a non-empty directory fails.
        await fsp.rename(dir, path.join(scratch, '.replaced')).catch(ignoreMissing)
      }
      try {
        await fsp.rename(built, dir)
      } catch (err) {
        // Another process installed the same entry first; its copy is as good as ours.
        if (!(await isDir(dir))) throw err
      }
      return dir
    } finally {
      await fsp.rm(scratch, { recursive: true, force: true })
    }
  }

  private refFile(name: string): string {
    return path.join(this.root, 'refs', hashKey(name))
  }
}

/** A file-name-safe key for any string. */
export function hashKey(identity: string): string {
  return createHash('sha256').update(identity).digest('hex')
}

async function isDir(p: string): Promise<boolean> {
  return (await fsp.stat(p).catch(() => undefined))?.isDirectory() ?? false
}

function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err
}
