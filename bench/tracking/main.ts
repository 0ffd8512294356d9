// The tracking benchmark (`npm run bench:tracking`): metric ingestion over HTTP against the
// direct-insert ceiling, the sweep pattern, and search latency at 1k/10k/100k runs, on SQLite and
// PostgreSQL. The server runs in its own process; this process is the load generator.
// Flags: --backends=sqlite,postgres  --skip=ingest,sweep,search  --scale=0.25 (shorter runs)
import fs from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
// @ts-expect-error: a plain .mjs script without types
import { startPostgres } from '../../scripts/postgres.mjs'
import { freshDatabase, tempDir, type Backend } from './databases.js'
import { ingestOverHttp, median, openDirectIngest, type IngestPlan } from './ingest.js'
import { startServer } from './server-process.js'
import { sweep } from './sweep.js'
import { searchAtSizes } from './search.js'
import { machineFacts, markdownTable, type BackendResults, type Results } from './report.js'

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]))
const backends = (args.backends ?? 'sqlite,postgres').split(',') as Backend[]
const skip = new Set((args.skip ?? '').split(','))
const scale = Number(args.scale ?? 1)

// Ingestion alternates rounds (ceiling, HTTP, ceiling, HTTP, …) so a burst of load from other
// processes on the shared cores does not land on one side only; each side reports its median round.
const ingestRounds = 3
const ingestPlan: IngestPlan = { clients: 4, warmupBatches: 3, batches: Math.max(5, Math.round(25 * scale)), batchSize: 1000 }
// A long warm-up: the first few hundred creates run before V8 has optimized the request path and
// cost about twice the CPU of later ones; a server lives far longer than that.
const sweepPlan = { clients: 4, warmupRuns: Math.max(25, Math.round(250 * scale)), runs: Math.max(25, Math.round(500 * scale)) }
const searchSizes = [1_000, 10_000, 100_000]
const searchBudgetMs = 5_000 * scale

const log = (msg: string) => console.error(`[bench] ${msg}`)

const results: Results = {
  command: `npm run bench:tracking${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  date: new Date().toISOString(),
  machine: machineFacts(),
  backends: {},
}

const pg = backends.includes('postgres') ? await startPostgres() : undefined
try {
  for (const backend of backends) {
    const r: BackendResults = (results.backends[backend] = {})
    const db = await freshDatabase(backend, pg?.url, 'server')
    const artifacts = tempDir('artifacts')
    const server = await startServer(db.uri, artifacts)
    try {
      if (!skip.has('ingest')) {
        log(`${backend}: log-batch over HTTP and the direct-insert ceiling, ${ingestRounds} rounds each`)
        const directDb = await freshDatabase(backend, pg?.url, 'direct')
        const direct = await openDirectIngest(directDb.uri)
        try {
          r.ingestRounds = []
          for (let i = 0; i < ingestRounds; i++) {
            const round = { direct: await direct.run(ingestPlan), http: await ingestOverHttp(server, ingestPlan) }
            r.ingestRounds.push({ ...round, ratio: round.http.pointsPerSecond / round.direct.pointsPerSecond })
          }
        } finally {
          await direct.close()
          await directDb.drop()
        }
        r.direct = median(r.ingestRounds.map((x) => x.direct))
        r.http = median(r.ingestRounds.map((x) => x.http))
        r.ingestRatio = r.ingestRounds.map((x) => x.ratio).sort((a, b) => a - b)[ingestRounds >> 1]
      }
      if (!skip.has('sweep')) {
        log(`${backend}: sweep`)
        r.sweep = await sweep(server, sweepPlan)
      }
      if (!skip.has('search')) {
        log(`${backend}: search at ${searchSizes.join(', ')} runs`)
        r.search = await searchAtSizes(server, db.uri, searchSizes, searchBudgetMs, backend)
      }
      const mem = server.memory()
      r.serverRssMb = mem.rssMb
      r.serverPeakRssMb = mem.peakRssMb
    } finally {
      await server.stop()
      await db.drop()
      fs.rmSync(artifacts, { recursive: true, force: true })
    }
  }
} finally {
  await pg?.stop()
}

const loadAtEnd = os.loadavg().map((x) => Number(x.toFixed(2)))
results.machine.loadAverageAtEnd = loadAtEnd
const table = markdownTable(results)
console.log(table)
const m = results.machine
console.log(`\n${m.nproc} cores (${m.cpu}), Node ${m.node}; load average ${m.loadAverageAtStart.join(' ')} at start, ${loadAtEnd.join(' ')} at end`)
const out = fileURLToPath(new URL('./results.json', import.meta.url))
fs.writeFileSync(out, JSON.stringify({ ...results, table }, null, 2) + '\n')
log(`wrote ${out}`)
