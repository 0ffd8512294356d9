import fs from 'node:fs'
import path from 'node:path'
import { execFileSync, spawnSync } from 'node:child_process'
import { contentHasher, type ContentAlgorithm } from '../../packages/content-id/src/index.js'

export interface ReadResult {
  files: number
  bytes: number
  seconds: number
  /** CPU time of this process meanwhile (user + system, all threads), in seconds. */
  cpuSeconds?: number
}

const cpuSince = (start: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(start)
  return (u.user + u.system) / 1e6
}

// Plain reads without hashing, as the server's local datastore first did them: files up to 1 MiB
// whole, 16 at a time; larger ones in 4 MiB chunks with the next read in flight, 2 at a time (or,
// for the ceiling that matches the addon, one read in flight per core: 4 MiB reads, which Node
// does faster than the addon's 1 MiB blocks, measured here).
const SMALL_FILE = 1 << 20
const SMALL_CONCURRENCY = 16
const LARGE_CONCURRENCY = 2
const CHUNK = 4 << 20
const PARALLEL_CHUNK = 4 << 20

/**
 * The I/O ceiling of a snapshot: list the folder (readdir + stat every file) and read every byte,
 * the way the server's local datastore does, but hash nothing and record nothing.
 */
export async function readWithoutHashing(root: string, largeReadsInFlight = 1): Promise<ReadResult> {
  const started = performance.now()
  const cpu = process.cpuUsage()
  const files: Array<{ file: string; size: number }> = []
  const walk = async (dir: string): Promise<void> => {
    const entries = await fs.promises.readdir(dir, { withFileTypes: true })
    const names = entries.filter((e) => e.isFile()).map((e) => path.join(dir, e.name))
    const stats = await Promise.all(names.map((n) => fs.promises.stat(n, { bigint: true })))
    names.forEach((file, i) => files.push({ file, size: Number(stats[i].size) }))
    for (const e of entries) if (e.isDirectory()) await walk(path.join(dir, e.name))
  }
  await walk(root)
  let bytes = 0
  const small = files.filter((f) => f.size <= SMALL_FILE)
  const large = files.filter((f) => f.size > SMALL_FILE)
  // `bytes += await …` would read `bytes` before the await and lose the other tasks' additions.
  await pool(small, SMALL_CONCURRENCY, async (f) => {
    const n = await readWhole(f.file, f.size)
    bytes += n
  })
  await pool(large, LARGE_CONCURRENCY, async (f) => {
    const n = largeReadsInFlight > 1 ? await readInParallel(f.file, f.size, largeReadsInFlight) : await readChunked(f.file)
    bytes += n
  })
  return { files: files.length, bytes, seconds: (performance.now() - started) / 1000, cpuSeconds: cpuSince(cpu) }
}

/**
 * The same work done the plainest way: one thread, synchronous calls, one reusable buffer. On a
 * busy machine this beats the thread-pool version (no hand-offs per call), so the ceiling is the
 * better of the two.
 */
export function readWithoutHashingSync(root: string): ReadResult {
  const started = performance.now()
  const cpu = process.cpuUsage()
  let files = 0
  let bytes = 0
  let buf = Buffer.allocUnsafe(CHUNK)
  const walk = (dir: string) => {
    const entries = fs.readdirSync(dir, { withFileTypes: true })
    for (const e of entries) {
      if (!e.isFile()) continue
      const file = path.join(dir, e.name)
      const size = Number(fs.statSync(file, { bigint: true }).size)
      if (size + 1 > buf.length && size <= SMALL_FILE) buf = Buffer.allocUnsafe(size + 1)
      const fd = fs.openSync(file, 'r')
      try {
        for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) bytes += n
      } finally {
        fs.closeSync(fd)
      }
      files++
    }
    for (const e of entries) if (e.isDirectory()) walk(path.join(dir, e.name))
  }
  walk(root)
  return { files, bytes, seconds: (performance.now() - started) / 1000, cpuSeconds: cpuSince(cpu) }
}

/** Listing only (readdir + stat every file): the floor of a snapshot whose files are all in the stat cache. */
export async function listOnly(root: string): Promise<ReadResult> {
  const started = performance.now()
  let files = 0
  let bytes = 0
  const walk = async (dir: string): Promise<void> => {
    const entries = await fs.promises.readdir(dir, { withFileTypes: true })
    const names = entries.filter((e) => e.isFile()).map((e) => path.join(dir, e.name))
    const stats = await Promise.all(names.map((n) => fs.promises.stat(n, { bigint: true })))
    for (const st of stats) {
      files++
      bytes += Number(st.size)
    }
    for (const e of entries) if (e.isDirectory()) await walk(path.join(dir, e.name))
  }
  await walk(root)
  return { files, bytes, seconds: (performance.now() - started) / 1000 }
}

/**
 * Reads one file with O_DIRECT, as the addon reads blocks that are not in the page cache: GNU dd
 * with `iflag=direct`, `processes` at once over equal shares of the file (4 MiB reads). Undefined
 * where dd or the file system refuses. CPU time is the dd processes', from bash's `times`.
 */
export function readDirect(file: string, size: number, processes: number): ReadResult | undefined {
  const share = Math.ceil(size / processes / CHUNK) * CHUNK
  const parts: string[] = []
  for (let i = 0; i * share < size; i++) {
    // The last share reads to the end: a direct read of an unaligned length is refused.
    const count = (i + 1) * share < size ? ` count=${share}` : ''
    parts.push(`dd if="$1" of=/dev/null bs=${CHUNK} iflag=direct,skip_bytes,count_bytes skip=${i * share}${count} &`)
  }
  const started = performance.now()
  const run = spawnSync('bash', ['-c', `${parts.join('\n')}\nfail=0; for p in $(jobs -p); do wait $p || fail=1; done; times; exit $fail`, 'bash', file], { encoding: 'utf8' })
  const seconds = (performance.now() - started) / 1000
  if (run.status !== 0) return undefined
  // Each dd ends with "N bytes (…) copied": the shares must add up to the file.
  const bytes = [...run.stderr.matchAll(/^(\d+) bytes/gm)].reduce((sum, m) => sum + Number(m[1]), 0)
  if (bytes !== size) throw new Error(`dd iflag=direct read ${bytes} of ${size} bytes of ${file}`)
  // The second line of `times` is the children's user and system time: "0m0.012s 0m0.345s".
  const children = run.stdout.trim().split('\n')[1] ?? ''
  const cpuSeconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0)
  return { files: 1, bytes, seconds, cpuSeconds }
}

/** `sha256sum` (coreutils, one process at a time through xargs) over every file below `root`. */
export function sha256sumOf(root: string): ReadResult & { version: string } {
  const started = performance.now()
  const out = execFileSync('sh', ['-c', 'find "$1" -type f -print0 | xargs -0 sha256sum | wc -l', 'sh', root], { encoding: 'utf8', maxBuffer: 1 << 20 })
  const seconds = (performance.now() - started) / 1000
  const version = execFileSync('sha256sum', ['--version'], { encoding: 'utf8' }).split('\n')[0]
  const bytes = Number(execFileSync('sh', ['-c', 'find "$1" -type f -printf "%s\\n" | awk "{s+=\\$1} END {printf \\"%d\\", s}"', 'sh', root], { encoding: 'utf8' }))
  return { files: Number(out.trim()), bytes, seconds, version }
}

function readWhole(file: string, size: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.open(file, 'r', (openErr, fd) => {
      if (openErr) return reject(openErr)
      const buf = Buffer.allocUnsafe(size + 1)
      fs.read(fd, buf, 0, buf.length, 0, (err, n) => fs.close(fd, () => (err ? reject(err) : resolve(n))))
    })
  })
}

async function readChunked(file: string): Promise<number> {
  const handle = await fs.promises.open(file, 'r')
  try {
    const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)]
    let which = 0
    let position = 0
    let pending = handle.read(buffers[0], 0, CHUNK, 0)
    for (;;) {
      const { bytesRead } = await pending
      if (bytesRead === 0) return position
      position += bytesRead
      which ^= 1
      pending = handle.read(buffers[which], 0, CHUNK, position)
    }
  } finally {
    await handle.close()
  }
}

/**
 * Reads one file with `inFlight` reads of PARALLEL_CHUNK at once through the thread pool, in file
 * order: what reading can do with as many threads as the snapshot's hashing uses.
 */
async function readInParallel(file: string, size: number, inFlight: number): Promise<number> {
  const fd = await fs.promises.open(file, 'r')
  let next = 0
  let bytes = 0
  try {
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        const buf = Buffer.allocUnsafe(PARALLEL_CHUNK)
        while (next < size) {
          const position = next
          next += PARALLEL_CHUNK
          const { bytesRead } = await fd.read(buf, 0, PARALLEL_CHUNK, position)
          bytes += bytesRead
        }
      }),
    )
    return bytes
  } finally {
    await fd.close()
  }
}

async function pool<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) await task(items[next++])
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}

/**
 * Drops the page cache of each file (posix_fadvise DONTNEED through `dd iflag=nocache count=0`),
 * so the next read comes from the disk. Needs no privileges and touches no other file. False when
 * dd refused (not GNU dd).
 */
export function dropCache(files: string[]): boolean {
  return files.every((f) => spawnSync('dd', [`if=${f}`, 'iflag=nocache', 'count=0'], { stdio: 'ignore' }).status === 0)
}

/** node:crypto SHA-256 over `bytes` of memory in 4 MiB updates: what hashing alone can do on one core here. */
export function sha256InMemory(bytes: number): ReadResult {
  return hashInMemory(bytes, 'sha256')
}

/** BLAKE3 (the id of dataset files over 1 MiB) alone over `bytes` of memory, for scale. */
export function blake3InMemory(bytes: number): ReadResult {
  return hashInMemory(bytes, 'blake3')
}

function hashInMemory(bytes: number, algorithm: ContentAlgorithm): ReadResult {
  const chunk = Buffer.alloc(CHUNK, 7)
  const started = performance.now()
  const hash = contentHasher(algorithm)
  for (let done = 0; done < bytes; done += chunk.length) hash.update(chunk)
  hash.id()
  return { files: 1, bytes, seconds: (performance.now() - started) / 1000 }
}
