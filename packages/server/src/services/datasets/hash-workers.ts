import os from 'node:os'
import { Worker } from 'node:worker_threads'
import { hashSmallFiles, type SmallFileProblem, type SmallFilesHashed } from './small-file-hasher.js'
import { threadSetting } from './thread-setting.js'

/**
 * Tunables of the small-file hash workers; tests change them to compare both paths.
 * `threads` 0 hashes on the main thread only (RAILYARD_HASH_THREADS=0 sets that for a server).
 */
export const hashWorkerSettings = {
  // One core stays with the main thread, which lists, looks up the stat cache and writes the
  // manifest while the workers hash: on 2 cores, two workers beside it made all three share the
  // cores and the snapshot slower (0.67 of the read ceiling against 0.79 with one).
  threads: threadSetting(process.env.RAILYARD_HASH_THREADS, Math.max(1, Math.min(4, os.availableParallelism() - 1))),
  // Below this many small files in one batch, a worker's round trip is not worth it.
  minFiles: 256,
  // Files per message: small enough to spread over the workers, large enough that messaging is cheap.
  chunkFiles: 250,
}

// An idle worker is ended after this long, so a server that snapshots rarely holds no threads.
const IDLE_MS = 10_000

// The worker's whole program: the same hashSmallFiles the main thread runs, from its source text,
// so the two paths cannot drift apart and nothing needs a separate build step or loader. Names come
// in as one string and oids go back as one, joined by characters no name or oid contains: the main
// thread sends and receives a few strings per message instead of arrays of hundreds.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const crypto = require('node:crypto')
const deps = { fs: require('node:fs'), createHash: crypto.createHash, hash: crypto.hash, scratch: { buf: Buffer.alloc(0) } }
const hashSmallFiles = ${hashSmallFiles.toString()}
parentPort.on('message', ({ id, prefix, names, sizes, keep }) => {
  let result
  try {
    result = hashSmallFiles(deps, prefix, names.split('\\0'), sizes, keep)
  } catch (err) {
    parentPort.postMessage({ id, failed: { message: String(err && err.message), code: err && err.code } })
    return
  }
  const problems = []
  const oids = result.outcomes.map((o, i) => (typeof o === 'string' ? o : (problems.push([i, o]), '')))
  parentPort.postMessage({ id, oids: oids.join('\\n'), problems, kept: result.kept }, result.kept ? [result.kept.buffer] : [])
})
`

/** A worker's answer: oids joined by `\n` ('' where the file has a problem instead). */
interface Answer {
  id: number
  oids?: string
  problems?: Array<[number, SmallFileProblem]>
  kept?: Uint8Array
  failed?: { message: string; code?: string }
}

interface Job {
  id: number
  prefix: string
  names: string
  sizes: Float64Array
  keep: boolean
  resolve(r: SmallFilesHashed): void
  reject(err: Error): void
}

interface Slot {
  worker: Worker
  job?: Job
  idle?: NodeJS.Timeout
}

/** A few worker threads that read and hash small files while the main thread lists and writes. */
class HashWorkerPool {
  private readonly slots: Slot[] = []
  private readonly queue: Job[] = []
  private nextId = 0

  hash(prefix: string, names: string, sizes: Float64Array, keep: boolean): Promise<SmallFilesHashed> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, prefix, names, sizes, keep, resolve, reject })
      this.dispatch()
    })
  }

  private dispatch(): void {
    while (this.queue.length) {
      let slot = this.slots.find((s) => !s.job)
      if (!slot && this.slots.length < Math.max(1, hashWorkerSettings.threads)) slot = this.spawn()
      if (!slot) return
      const job = this.queue.shift()!
      clearTimeout(slot.idle)
      slot.job = job
      slot.worker.postMessage({ id: job.id, prefix: job.prefix, names: job.names, sizes: job.sizes, keep: job.keep })
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true })
    // Idle workers must not keep the process alive.
    worker.unref()
    const slot: Slot = { worker }
    this.slots.push(slot)
    worker.on('message', (msg: Answer) => {
      const job = slot.job
      if (!job || job.id !== msg.id) return
      slot.job = undefined
      if (msg.oids !== undefined) {
        const outcomes: Array<string | SmallFileProblem> = msg.oids.split('\n')
        for (const [i, problem] of msg.problems!) outcomes[i] = problem
        const kept = msg.kept
        // The transferred bytes arrive as a Uint8Array; callers slice Buffers out of them.
        job.resolve({ outcomes, kept: kept && Buffer.from(kept.buffer, kept.byteOffset, kept.byteLength) })
      } else job.reject(Object.assign(new Error(msg.failed!.message), { code: msg.failed!.code }))
      slot.idle = setTimeout(() => this.retire(slot), IDLE_MS).unref()
      this.dispatch()
    })
    const fail = (err: Error) => {
      this.retire(slot)
      slot.job?.reject(err)
      slot.job = undefined
      this.dispatch()
    }
    worker.on('error', fail)
    worker.on('exit', (code) => {
      if (slot.job) fail(new Error(`A hash worker exited (code ${code}) while hashing`))
    })
    return slot
  }

  private retire(slot: Slot): void {
    clearTimeout(slot.idle)
    const at = this.slots.indexOf(slot)
    if (at < 0) return
    this.slots.splice(at, 1)
    if (!slot.job) void slot.worker.terminate()
  }
}

let pool: HashWorkerPool | undefined

/**
 * Hashes small files (`prefix + names[i]`) in the worker pool, split into chunks the workers
 * share; results in order. Names must not contain NUL (no file path can).
 */
export async function hashSmallFilesInWorkers(prefix: string, names: string[], sizes: number[], keep: boolean): Promise<SmallFilesHashed[]> {
  pool ??= new HashWorkerPool()
  const chunks: Array<Promise<SmallFilesHashed>> = []
  for (let i = 0; i < names.length; i += hashWorkerSettings.chunkFiles) {
    const end = Math.min(i + hashWorkerSettings.chunkFiles, names.length)
    chunks.push(pool.hash(prefix, names.slice(i, end).join('\0'), Float64Array.from(sizes.slice(i, end)), keep))
  }
  return Promise.all(chunks)
}
