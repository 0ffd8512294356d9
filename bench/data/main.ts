// The data versioning benchmark (`npm run bench:data`): snapshot throughput of 100,000 small files
// and of one 2 GiB file next to the I/O ceiling (the same reads without hashing) and sha256sum,
// re-snapshot after adding 100 files, and resolving a frozen 1,000,000-file version for a run with
// the server's peak memory. The server runs in its own process (SQLite store); this process is the
// client. Files are generated in a temporary folder, removed at the end.
// Flags: --skip=small,large,million  --small=100000  --large-mib=2048  --million=1000000
//        (--skip=materialize leaves out materializing the small-file version)
//        --repeat=2 (best of N for throughput)  --dir=PATH (where to generate; default /dev/shm when roomy)
//        --keep (leave the files)  --no-docs (don't touch docs/)
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { RailyardClient, startRun, type SnapshotEvent } from '../../packages/sdk/src/index.js'
import { generateLargeFile, generateSmallFiles, type Generated } from './generate.js'
import { blake3InMemory, dropCache, listOnly, readDirect, readWithoutHashing, readWithoutHashingSync, sha256InMemory, sha256sumOf, type ReadResult } from './ceiling.js'
import { startServer, type ServerProcess } from './server-process.js'
import { machineFacts, writeDocsSection } from './report.js'
import { markdown, type Results, type ThroughputResult } from './results.js'
import { PhaseClock } from './phases.js'
import { largeFileHasher } from '../../packages/server/src/services/datasets/large-file-hash.js'

const args = Object.fromEntries(process.argv.slice(2).map((a) => [a.replace(/^--/, '').split('=')[0], a.split('=')[1] ?? 'true']))
const skip = new Set((args.skip ?? '').split(','))
const smallCount = Number(args.small ?? 100_000)
const largeBytes = Number(args['large-mib'] ?? 2048) * 2 ** 20
const millionCount = Number(args.million ?? 1_000_000)
const repeat = Math.max(1, Number(args.repeat ?? 2))

const log = (msg: string) => console.error(`[bench:data ${new Date().toISOString().slice(11, 19)}] ${msg}`)
const elapsed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const t = performance.now()
  const value = await fn()
  return [value, (performance.now() - t) / 1000]
}

const tmp = fs.mkdtempSync(path.join(dataParent(), 'railyard-bench-data-'))
// The server's database and objects live on disk, as a real server's would.
const serverDir = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-bench-server-'))
const storeUri = `sqlite:///${path.join(serverDir, 'railyard.db').replace(/^\//, '')}`
const artifacts = path.join(serverDir, 'artifacts')
const results: Results = {
  command: `npm run bench:data${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  date: new Date().toISOString(),
  machine: machineFacts(tmp),
  dataDir: path.dirname(tmp),
  // The server process has this process's environment, so it makes the same choice.
  largeFileHasher: largeFileHasher(),
}
log(`files in ${tmp}; load average ${results.machine.loadAverage}`)

let server: ServerProcess = await startServer(storeUri, artifacts)
let client = clientOf(server)
try {
  if (!skip.has('small')) {
    const root = path.join(tmp, 'small')
    log(`generating ${smallCount} small files`)
    const gen = generateSmallFiles(root, smallCount, { minBytes: 1024, maxBytes: 8192 })
    log(`generated ${(gen.bytes / 1e6).toFixed(0)} MB in ${gen.seconds.toFixed(1)} s`)
    results.small = await throughput('small', root, gen)
    log('re-snapshot after adding 100 files')
    generateSmallFiles(path.join(root, 'added'), 100, { minBytes: 1024, maxBytes: 8192, seed: 2, prefix: 'new' })
    const listing = await listOnly(root)
    const events: SnapshotEvent[] = []
    const clock = new PhaseClock()
    const cpuBefore = server.cpuSeconds()
    const [snap, seconds] = await elapsed(() =>
      client.datasets.snapshot('small-1', { onProgress: (e) => (events.push(e), clock.onProgress(e)) }),
    )
    const cpu = server.cpuSeconds() - cpuBefore
    const last = events.at(-1)
    results.resnapshot = { files: snap.version.file_count, seconds, cached: last?.files_cached ?? 0, listSeconds: listing.seconds, phases: clock.seconds, serverCpuSeconds: cpu }
    log(`re-snapshot: ${seconds.toFixed(2)} s (${clock.describe()}), ${results.resnapshot.cached} files from the stat cache; listing alone ${listing.seconds.toFixed(2)} s`)
    if (!skip.has('materialize')) results.materialize = await materializeAgainstCopy(root, snap.version.id, snap.version.file_count, snap.version.total_bytes)
    if (!args.keep) fs.rmSync(root, { recursive: true, force: true })
  }

  if (!skip.has('large')) {
    const root = path.join(tmp, 'large')
    log(`generating one ${largeBytes / 2 ** 20} MiB file`)
    const gen = generateLargeFile(path.join(root, 'big.bin'), largeBytes)
    log(`generated in ${gen.seconds.toFixed(1)} s`)
    results.large = await throughput('large', root, gen)
    if (!args.keep) fs.rmSync(root, { recursive: true, force: true })
    results.sha256InMemory = sha256InMemory(largeBytes)
    log(`node:crypto sha256 over ${largeBytes / 2 ** 20} MiB of memory: ${results.sha256InMemory.seconds.toFixed(2)} s`)
    results.blake3InMemory = blake3InMemory(largeBytes)
    log(`BLAKE3 over ${largeBytes / 2 ** 20} MiB of memory: ${results.blake3InMemory.seconds.toFixed(2)} s`)

    // The same file on disk, its page cache dropped before every read: the I/O ceiling proper.
    const diskRoot = path.join(serverDir, 'large-on-disk')
    log(`writing one ${largeBytes / 2 ** 20} MiB file to the disk (${diskRoot})`)
    const onDisk = generateLargeFile(path.join(diskRoot, 'big.bin'), largeBytes)
    if (dropCache([path.join(diskRoot, 'big.bin')])) {
      results.largeCold = await throughput('large-cold', diskRoot, onDisk, [path.join(diskRoot, 'big.bin')])
      if (!process.env.RAILYARD_LARGE_FILE_DIRECT && largeBytes <= os.totalmem() / 4) {
        // By default the server reads a file this size through the cache; the same rounds again
        // with a server that reads it directly (RAILYARD_LARGE_FILE_DIRECT=1).
        await server.stop()
        server = await startServer(storeUri, artifacts, { RAILYARD_LARGE_FILE_DIRECT: '1' })
        client = clientOf(server)
        results.largeColdDirect = await throughput('large-cold-direct', diskRoot, onDisk, [path.join(diskRoot, 'big.bin')])
        await server.stop()
        server = await startServer(storeUri, artifacts)
        client = clientOf(server)
      }
    } else {
      log('dd iflag=nocache did not work here; no cold-cache run')
    }
    fs.rmSync(diskRoot, { recursive: true, force: true })
  }

  if (!skip.has('million')) {
    const root = path.join(tmp, 'million')
    log(`generating ${millionCount} tiny files`)
    const gen = generateSmallFiles(root, millionCount, { minBytes: 16, maxBytes: 128, seed: 3 })
    log(`generated in ${gen.seconds.toFixed(1)} s`)
    await client.datasets.createDatastore({ name: 'million', kind: 'local', config: { root } })
    await client.datasets.create({ name: 'million', datastore: 'million' })
    log('snapshot of the million files')
    const clock = new PhaseClock()
    const cpuBefore = server.cpuSeconds()
    const [snap, snapSeconds] = await elapsed(() => client.datasets.snapshot('million', { onProgress: clock.onProgress }))
    const snapCpu = server.cpuSeconds() - cpuBefore
    const snapPeak = server.memory().peakRssMb
    log(`snapshot: ${snapSeconds.toFixed(1)} s (${clock.describe()}), server peak RSS ${snapPeak.toFixed(0)} MB`)
    const first = await startRun({ client, experimentName: 'bench-million', runName: 'first' })
    const [, freezeSeconds] = await elapsed(() => first.useDataset('million', { reuseLatest: true }))
    await first.end()

    // A fresh server process, so its peak memory is that of resolving, not of the snapshot above.
    await server.stop()
    server = await startServer(storeUri, artifacts)
    client = clientOf(server)
    const idle = server.memory().rssMb
    server.resetPeak()
    const resolveSeconds: number[] = []
    const useSeconds: number[] = []
    for (let i = 0; i < 5; i++) {
      const run = await startRun({ client, experimentId: first.experimentId, runName: `later-${i}` })
      const [resolved, r] = await elapsed(() => client.datasets.resolve(run.experimentId, 'million', { runId: run.runId }))
      const [used, u] = await elapsed(() => run.useDataset('million'))
      if (resolved.freeze.version.id !== snap.version.id || used.versionId !== snap.version.id) throw new Error('the freeze moved')
      resolveSeconds.push(r)
      useSeconds.push(u)
      await run.end()
    }
    const resolvePeak = server.memory().peakRssMb
    log(`resolve: ${resolveSeconds.map((s) => (s * 1000).toFixed(0)).join(', ')} ms; peak RSS ${resolvePeak.toFixed(0)} MB`)
    server.resetPeak()
    let listed = 0
    const [, listSeconds] = await elapsed(async () => {
      for await (const _ of client.datasets.files('million', snap.version.id)) listed++
    })
    const listPeak = server.memory().peakRssMb
    log(`listed ${listed} files in ${listSeconds.toFixed(1)} s; peak RSS ${listPeak.toFixed(0)} MB`)
    results.million = {
      files: snap.version.file_count,
      snapshotSeconds: snapSeconds,
      snapshotPhases: clock.seconds,
      snapshotServerCpuSeconds: snapCpu,
      snapshotPeakRssMb: snapPeak,
      manifestBytes: snap.version.manifest_bytes,
      firstFreezeSeconds: freezeSeconds,
      resolveSeconds,
      useDatasetSeconds: useSeconds,
      idleRssMb: idle,
      resolvePeakRssMb: resolvePeak,
      listSeconds,
      listPeakRssMb: listPeak,
    }
    if (!args.keep) fs.rmSync(root, { recursive: true, force: true })
  }
} finally {
  await server.stop()
  if (!args.keep) {
    fs.rmSync(tmp, { recursive: true, force: true })
    fs.rmSync(serverDir, { recursive: true, force: true })
  }
}

const table = markdown(results)
console.log(table)
fs.writeFileSync(fileURLToPath(new URL('./results.json', import.meta.url)), `${JSON.stringify(results, null, 2)}\n`)
if (args.docs !== 'false' && !args['no-docs']) {
  writeDocsSection(fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url)), table)
  log('wrote the "Data versioning" section of docs/benchmarks.md')
}

/**
 * Materializing the version into an empty folder next to the data (same filesystem) through the
 * SDK, every byte checked, against `cp -r` of the same folder: best of `repeat` each.
 */
async function materializeAgainstCopy(root: string, versionId: string, files: number, bytes: number): Promise<NonNullable<Results['materialize']>> {
  let best = Infinity
  let copyBest = Infinity
  for (let i = 1; i <= repeat; i++) {
    const copyDir = path.join(tmp, `copy-${i}`)
    const t0 = performance.now()
    execFileSync('cp', ['-r', root, copyDir])
    copyBest = Math.min(copyBest, (performance.now() - t0) / 1000)
    fs.rmSync(copyDir, { recursive: true, force: true })
    const dir = path.join(tmp, `materialized-${i}`)
    const [res, seconds] = await elapsed(() => client.datasets.materialize('small-1', versionId, dir))
    if (res.files !== files || res.downloaded !== files) throw new Error(`materialize wrote ${res.downloaded} of ${files} files`)
    best = Math.min(best, seconds)
    fs.rmSync(dir, { recursive: true, force: true })
    log(`materialize #${i}: ${seconds.toFixed(2)} s; cp -r ${copyBest.toFixed(2)} s`)
  }
  return { files, bytes, seconds: best, copySeconds: copyBest }
}

/**
 * Paired rounds of the I/O ceiling and a first snapshot on a fresh datastore (empty stat cache),
 * alternating which goes first; then sha256sum. With `cold`, those files' page cache is dropped
 * before every read. The ratio is the median of the rounds' ratios, so a swing of the shared
 * machine's memory or disk speed lands on both sides of a ratio instead of on one column's best.
 * One large file is cheap to repeat: at least 9 rounds, as a cold read's time here swings 2-3x
 * from one round to the next.
 */
async function throughput(name: string, root: string, gen: Generated, cold?: string[]): Promise<ThroughputResult> {
  const ceilings: Array<ReadResult & { method: string }> = []
  const snapshots: Array<{ seconds: number; phases: Record<string, number>; cpu: number }> = []
  const rounds: Array<{ ways: Array<ReadResult & { method: string }>; snapshot: { seconds: number; cpu: number } }> = []
  const evict = () => cold && dropCache(cold)
  const readAllWays = async () => {
    log(`${name}: reading without hashing`)
    evict()
    const ways: Array<ReadResult & { method: string }> = [{ ...(await readWithoutHashing(root)), method: 'thread pool' }]
    evict()
    ways.push({ ...readWithoutHashingSync(root), method: 'synchronous' })
    if (gen.files === 1) {
      // The snapshot hashes a large file on every core, so reading it may use them all too; and it
      // reads uncached blocks with O_DIRECT, so a direct read is a way of reading it as well.
      const cores = os.availableParallelism()
      evict()
      ways.push({ ...(await readWithoutHashing(root, cores)), method: `${cores} reads in flight` })
      evict()
      const direct = readDirect(path.join(root, 'big.bin'), gen.bytes, cores)
      if (direct) ways.push({ ...direct, method: `${cores} direct reads (dd iflag=direct)` })
    }
    return ways
  }
  const snapshotOnce = async (i: number) => {
    evict()
    // A datastore of its own, so the stat cache of an earlier round does not help.
    await client.datasets.createDatastore({ name: `${name}-${i}`, kind: 'local', config: { root } })
    await client.datasets.create({ name: `${name}-${i}`, datastore: `${name}-${i}` })
    log(`${name} #${i}: snapshot`)
    const clock = new PhaseClock()
    const cpuBefore = server.cpuSeconds()
    const [snap, seconds] = await elapsed(() => client.datasets.snapshot(`${name}-${i}`, { onProgress: clock.onProgress }))
    const cpu = server.cpuSeconds() - cpuBefore
    if (snap.version.file_count !== gen.files || snap.version.total_bytes !== gen.bytes) throw new Error(`snapshot of ${name} missed files`)
    return { seconds, phases: clock.seconds, cpu, describe: clock.describe() }
  }
  const count = gen.files === 1 ? Math.max(repeat, 9) : repeat
  for (let i = 1; i <= count; i++) {
    let ways: Array<ReadResult & { method: string }>
    let snap: Awaited<ReturnType<typeof snapshotOnce>>
    if (i % 2 === 1) {
      ways = await readAllWays()
      snap = await snapshotOnce(i)
    } else {
      snap = await snapshotOnce(i)
      ways = await readAllWays()
    }
    ceilings.push(...ways)
    snapshots.push(snap)
    rounds.push({ ways, snapshot: snap })
    log(`${name} #${i}: ceiling ${ways.map((c) => `${c.seconds.toFixed(2)} s (${c.method})`).join(', ')}; snapshot ${snap.seconds.toFixed(2)} s (${snap.describe}; server CPU ${snap.cpu.toFixed(2)} s)`)
  }
  // The ceiling is the way of reading with the lowest median time. Taking each round's fastest way
  // instead would set the luckiest of several noisy reads against one snapshot and bias the ratio
  // low on a machine whose read times swing 2-3x between rounds.
  const methods = [...new Set(ceilings.map((c) => c.method))]
  const medianOf = (method: string) => median(ceilings.filter((c) => c.method === method).map((c) => c.seconds))
  const method = methods.reduce((a, b) => (medianOf(b) < medianOf(a) ? b : a))
  const ratios = rounds.map(({ ways, snapshot }) => {
    const read = ways.find((w) => w.method === method)!
    return { ratio: read.seconds / snapshot.seconds, cpuRatio: (read.cpuSeconds ?? NaN) / snapshot.cpu }
  })
  log(`${name}: ceiling ${method} (median ${medianOf(method).toFixed(2)} s); ratios ${ratios.map((r) => r.ratio.toFixed(2)).join(' ')}`)
  const best = ceilings.filter((c) => c.method === method).reduce((a, b) => (b.seconds < a.seconds ? b : a))
  const bestSnapshot = snapshots.reduce((a, b) => (b.seconds < a.seconds ? b : a))
  log(`${name}: sha256sum`)
  evict()
  const sum = sha256sumOf(root)
  return {
    files: gen.files,
    bytes: gen.bytes,
    ceilingSeconds: best.seconds,
    ceilingMethod: best.method,
    ceilingCpuSeconds: best.cpuSeconds ?? NaN,
    snapshotSeconds: bestSnapshot.seconds,
    snapshotPhases: bestSnapshot.phases,
    snapshotServerCpuSeconds: bestSnapshot.cpu,
    ratios: ratios.map((r) => r.ratio),
    medianRatio: median(ratios.map((r) => r.ratio)),
    medianCpuRatio: median(ratios.map((r) => r.cpuRatio)),
    sha256sumSeconds: sum.seconds,
    sha256sumVersion: sum.version,
    serverPeakRssMb: server.memory().peakRssMb,
  }
}

/**
 * Where the generated files go: --dir, else a RAM-backed /dev/shm when it has room, else the temp
 * folder. Creating a million files on this machine's disk runs at about 1,000 files/s (a fresh
 * ext4 on a virtual disk), which would make generating them take longer than everything measured;
 * reads come from memory either way (tmpfs, or a warm page cache).
 */
function dataParent(): string {
  if (args.dir) return path.resolve(args.dir)
  try {
    const st = fs.statfsSync('/dev/shm')
    if (st.bavail * st.bsize > 10 * 2 ** 30) return '/dev/shm'
  } catch {
    // no /dev/shm
  }
  return os.tmpdir()
}

function clientOf(s: ServerProcess): RailyardClient {
  return new RailyardClient({ trackingUri: s.url, retries: 2, timeoutMs: 600_000 })
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
