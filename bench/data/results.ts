import { mbps, secs, type MachineFacts } from './report.js'

export interface ThroughputResult {
  files: number
  bytes: number
  /** Best of the rounds and of the two ways: list + read every byte, no hashing. */
  ceilingSeconds: number
  ceilingMethod: string
  /** CPU this process used for that read (the thread pool's threads included). */
  ceilingCpuSeconds: number
  /** Best of the rounds: a first snapshot (empty stat cache), request to `done`. */
  snapshotSeconds: number
  /** Seconds per phase of that snapshot, as the client saw the progress stream. */
  snapshotPhases: Record<string, number>
  /** CPU the server process used during that snapshot (all threads). */
  snapshotServerCpuSeconds: number
  /** Each round's ratio: that round's fastest read without hashing / its snapshot time. */
  ratios?: number[]
  /** The median of `ratios`: the number held against the target. */
  medianRatio?: number
  medianCpuRatio?: number
  sha256sumSeconds: number
  sha256sumVersion: string
  serverPeakRssMb: number
}

export interface Results {
  command: string
  date: string
  machine: MachineFacts
  /** Where the files were generated. */
  dataDir: string
  /** How the server hashed files over 1 MiB (BLAKE3): the addon on N threads, or one thread. */
  largeFileHasher?: string
  small?: ThroughputResult
  large?: ThroughputResult
  /** The large file on disk with its page cache dropped before each read. */
  largeCold?: ThroughputResult
  /** The same, with the server reading the file with O_DIRECT (RAILYARD_LARGE_FILE_DIRECT=1). */
  largeColdDirect?: ThroughputResult
  /** node:crypto SHA-256 over the large file's size of memory: the hash's own ceiling. */
  sha256InMemory?: { bytes: number; seconds: number }
  blake3InMemory?: { bytes: number; seconds: number }
  /** Materializing the small-file version into an empty folder, against `cp -r` of the same files. */
  materialize?: { files: number; bytes: number; seconds: number; copySeconds: number }
  resnapshot?: { files: number; seconds: number; cached: number; /** Listing alone (readdir + stat), the floor. */ listSeconds: number; phases: Record<string, number>; serverCpuSeconds: number }
  million?: {
    files: number
    snapshotSeconds: number
    snapshotPhases: Record<string, number>
    snapshotServerCpuSeconds: number
    snapshotPeakRssMb: number
    manifestBytes: number
    firstFreezeSeconds: number
    /** POST datasets/resolve with run_id, freeze already there (one per run). */
    resolveSeconds: number[]
    /** ActiveRun.useDataset: resolve + dataset + datastore lookups. */
    useDatasetSeconds: number[]
    idleRssMb: number
    resolvePeakRssMb: number
    /** The whole file list streamed to the client. */
    listSeconds: number
    listPeakRssMb: number
  }
}

export const TARGETS = { smallRatio: 0.7, largeRatio: 0.8, resnapshotSeconds: 2, resolveSeconds: 1, resolvePeakMb: 300 }

const verdict = (ok: boolean) => (ok ? 'met' : '**missed**')

/** `listing 2.1 s, hashing 7.4 s, writing 0.3 s` (what came before the first progress line counts as `start`). */
export function phasesOf(phases: Record<string, number>): string {
  return Object.entries(phases)
    .filter(([phase]) => phase !== 'done')
    .map(([phase, s]) => `${phase} ${secs(s)}`)
    .join(', ')
}

/** The "Data versioning" section of docs/benchmarks.md. */
export function markdown(r: Results): string {
  const m = r.machine
  const lines = [
    '## Data versioning',
    '',
    `Command: \`${r.command}\` (${r.date.slice(0, 10)}). The server runs in its own process on a SQLite store; the`,
    'benchmark process is the client (the SDK) and also does the reference reads. Files are generated in a',
    `temporary folder on ${m.filesystem} (${r.dataDir}) and read from memory. Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB,`,
    `${m.os}, Node.js ${m.node}; load average at the start ${m.loadAverage} (the machine is shared, so numbers vary between runs).`,
    '',
  ]
  const rows: string[][] = []
  const row = (name: string, t: ThroughputResult, target: number) => {
    const ceiling = t.bytes / t.ceilingSeconds
    const snap = t.bytes / t.snapshotSeconds
    // Older result files have only the best of each column.
    const ratio = t.medianRatio ?? snap / ceiling
    const cpuRatio = t.medianCpuRatio ?? t.ceilingCpuSeconds / t.snapshotServerCpuSeconds
    const perRound = t.ratios ? `; rounds ${t.ratios.map((x) => x.toFixed(2)).join(', ')}` : ''
    rows.push([
      name,
      `${secs(t.snapshotSeconds)}: ${mbps(t.bytes, t.snapshotSeconds)} MB/s${t.files > 1 ? `, ${Math.round(t.files / t.snapshotSeconds).toLocaleString('en-US')} files/s` : ''} (${phasesOf(t.snapshotPhases)}; server CPU ${secs(t.snapshotServerCpuSeconds)})`,
      `${secs(t.ceilingSeconds)}: ${mbps(t.bytes, t.ceilingSeconds)} MB/s (${t.ceilingMethod}; CPU ${secs(t.ceilingCpuSeconds)})`,
      `${ratio.toFixed(2)} (target ≥ ${target}: ${verdict(ratio >= target)}; CPU ${cpuRatio.toFixed(2)}${perRound})`,
      `${secs(t.sha256sumSeconds)}: ${mbps(t.bytes, t.sha256sumSeconds)} MB/s`,
    ])
  }
  if (r.small) row(`${r.small.files.toLocaleString('en-US')} files of 1–8 KiB (${(r.small.bytes / 1e6).toFixed(0)} MB)`, r.small, TARGETS.smallRatio)
  const size = (bytes: number) => (bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(0)} GiB` : `${(bytes / 2 ** 20).toFixed(0)} MiB`)
  if (r.large) row(`1 file of ${size(r.large.bytes)}, in memory (tmpfs: the read is a memory copy)`, r.large, TARGETS.largeRatio)
  if (r.largeCold) row(`1 file of ${size(r.largeCold.bytes)}, on disk, page cache dropped before each read (the I/O ceiling proper)`, r.largeCold, TARGETS.largeRatio)
  if (r.largeColdDirect) row(`the same, the server reading it with O_DIRECT (\`RAILYARD_LARGE_FILE_DIRECT=1\`)`, r.largeColdDirect, TARGETS.largeRatio)
  if (rows.length) {
    lines.push('| snapshot of | snapshot (first, empty stat cache) | read without hashing (I/O ceiling) | ratio (CPU ratio) | `sha256sum` |')
    lines.push('|---|---|---|---|---|')
    for (const cells of rows) lines.push(`| ${cells.join(' | ')} |`)
    lines.push('')
    lines.push(
      'Snapshot time runs from the request to the `done` line of its NDJSON stream: listing, hashing, stat-cache writes and the',
      'manifest. The ceiling lists the same folder (readdir + stat) and reads every byte without hashing: through the thread',
      'pool as the local datastore did at first (files ≤ 1 MiB whole, 16 at a time; larger ones in 4 MiB chunks with the next read in',
      'flight), with plain synchronous calls on one thread, and, for the large file, also with one 4 MiB read in flight per core',
      '(as many threads as the hashing uses) and with one `dd iflag=direct` per core over its share of the file (O_DIRECT: the',
      'disk straight into dd\'s buffer). The way with the lowest median time is the ceiling. The rounds pair its read with one',
      'snapshot (which goes first alternates; at least 9 rounds for the large file), and the ratio is the median of the rounds\'',
      'ratios; the time columns show the best round of each. The CPU ratio (reader\'s CPU / server\'s CPU for the snapshot, also a',
      'median) moves less with load.',
      `\`sha256sum\` is ${r.small?.sha256sumVersion ?? r.large?.sha256sumVersion} through \`find | xargs\`, one process at a time.`,
      'Files up to 1 MiB are named by SHA-256, larger ones by BLAKE3 (@railyard/content-id)' +
        (r.largeFileHasher ? `; the server hashed the large file on ${r.largeFileHasher}.` : '.'),
      ...(r.sha256InMemory && r.blake3InMemory
        ? [
            `For scale, the hash alone over ${size(r.sha256InMemory.bytes)} of memory on one core: node:crypto SHA-256 ${secs(r.sha256InMemory.seconds)} ` +
              `(${mbps(r.sha256InMemory.bytes, r.sha256InMemory.seconds)} MB/s), BLAKE3 ${secs(r.blake3InMemory.seconds)} (${mbps(r.blake3InMemory.bytes, r.blake3InMemory.seconds)} MB/s).`,
          ]
        : []),
      '',
    )
  }
  const more: string[][] = []
  if (r.resnapshot) {
    const s = r.resnapshot
    more.push([
      `re-snapshot of ${s.files.toLocaleString('en-US')} files after adding 100`,
      `${secs(s.seconds)} (${phasesOf(s.phases)}; server CPU ${secs(s.serverCpuSeconds)}; ${s.cached.toLocaleString('en-US')} files from the stat cache; listing the folder alone: ${secs(s.listSeconds)})`,
      `≤ ${TARGETS.resnapshotSeconds} s: ${verdict(s.seconds <= TARGETS.resnapshotSeconds)}`,
    ])
  }
  if (r.materialize) {
    const m = r.materialize
    more.push([
      `materializing that version (${m.files.toLocaleString('en-US')} files) into an empty folder, every byte checked`,
      `${secs(m.seconds)} (${Math.round(m.files / m.seconds).toLocaleString('en-US')} files/s); \`cp -r\` of the same folder: ${secs(m.copySeconds)} (ratio ${(m.copySeconds / m.seconds).toFixed(2)})`,
      'no target',
    ])
  }
  if (r.million) {
    const x = r.million
    const worst = Math.max(...x.resolveSeconds)
    const median = [...x.resolveSeconds].sort((a, b) => a - b)[Math.floor(x.resolveSeconds.length / 2)]
    more.push(
      [
        `snapshot of ${x.files.toLocaleString('en-US')} tiny files (16–128 B)`,
        `${secs(x.snapshotSeconds)} (${Math.round(x.files / x.snapshotSeconds).toLocaleString('en-US')} files/s; ${phasesOf(x.snapshotPhases)}; server CPU ${secs(x.snapshotServerCpuSeconds)}), manifest ${(x.manifestBytes / 1e6).toFixed(0)} MB, server peak RSS ${x.snapshotPeakRssMb.toFixed(0)} MB`,
        'no target',
      ],
      ['first use in an experiment (freezes the existing version)', secs(x.firstFreezeSeconds), '-'],
      [
        'resolving the frozen version for a run (`datasets/resolve` with `run_id`, logs the run input)',
        `median ${secs(median)}, worst ${secs(worst)} of ${x.resolveSeconds.length}; \`run.useDataset()\` in all: median ${secs([...x.useDatasetSeconds].sort((a, b) => a - b)[2] ?? x.useDatasetSeconds[0])}`,
        `≤ ${TARGETS.resolveSeconds} s: ${verdict(worst <= TARGETS.resolveSeconds)}`,
      ],
      [
        'server peak RSS while resolving (fresh server process)',
        `${x.resolvePeakRssMb.toFixed(0)} MB (idle after start: ${x.idleRssMb.toFixed(0)} MB)`,
        `≤ ${TARGETS.resolvePeakMb} MB: ${verdict(x.resolvePeakRssMb <= TARGETS.resolvePeakMb)}`,
      ],
      [
        'streaming the whole frozen file list to the client (`datasets.files`, hash checked)',
        `${secs(x.listSeconds)}, server peak RSS ${x.listPeakRssMb.toFixed(0)} MB`,
        'no target',
      ],
    )
  }
  if (more.length) {
    lines.push('| measurement | result | target |', '|---|---|---|')
    for (const cells of more) lines.push(`| ${cells.join(' | ')} |`)
    lines.push('')
  }
  return lines.join('\n')
}
