// Metric ingestion: 1000-point log-batch calls from concurrent clients over HTTP, and the same
// rows written straight into the store (no HTTP, JSON or validation) as the ceiling.
import fs from 'node:fs'
import { performance } from 'node:perf_hooks'
import { Store } from '../../packages/server/src/store/store.js'
import { createServices } from '../../packages/server/src/services/index.js'
import { tempDir } from './databases.js'
import { concurrently, post } from './http-client.js'
import type { ServerProcess } from './server-process.js'
import { logBatchBody, metricBatch } from './workload.js'

export interface IngestPlan {
  clients: number
  /** Untimed batches per client first, so both paths are measured warm (JIT, caches, page cache). */
  warmupBatches: number
  batches: number
  batchSize: number
}

export interface IngestResult {
  points: number
  seconds: number
  pointsPerSecond: number
  /** CPU the server (over HTTP) or this process (direct) spent per 1000 points: less noisy than throughput on shared cores. */
  cpuMsPer1000Points: number
}

export async function ingestOverHttp(server: ServerProcess, plan: IngestPlan): Promise<IngestResult> {
  const url = server.url
  const { experiment_id } = await post(url, '/experiments/create', { name: `ingest-${Date.now()}` })
  const runIds: string[] = []
  for (let c = 0; c < plan.clients; c++) {
    const { run } = await post(url, '/runs/create', { experiment_id, run_name: `ingest-${c}` })
    runIds.push(run.info.run_id)
  }
  // Bodies are serialized up front: the load generator shares the 2 cores with the server.
  const bodies = runIds.map((runId, c) =>
    Array.from({ length: plan.warmupBatches + plan.batches }, (_, i) => logBatchBody(runId, metricBatch(c, i, plan.batchSize))),
  )
  await concurrently(plan.clients, plan.warmupBatches, (c, i) => post(url, '/runs/log-batch', bodies[c][i]))
  const cpu0 = server.cpuSeconds()
  const t0 = performance.now()
  await concurrently(plan.clients, plan.batches, (c, i) => post(url, '/runs/log-batch', bodies[c][plan.warmupBatches + i]))
  return result(plan, performance.now() - t0, server.cpuSeconds() - cpu0)
}

export interface DirectIngest {
  /** The same batches as ingestOverHttp, through Store.runs.writeBatch in this process, with the same concurrency. */
  run(plan: IngestPlan): Promise<IngestResult>
  close(): Promise<void>
}

/** Opens the store the direct-insert ceiling writes into; each run() logs into new runs. */
export async function openDirectIngest(uri: string): Promise<DirectIngest> {
  const store = await Store.open(uri)
  const artifacts = tempDir('direct-artifacts')
  const services = await createServices(store, { backendStoreUri: uri, artifactsDestination: artifacts, defaultArtifactRoot: 'mlflow-artifacts:' })
  return {
    async run(plan) {
      const { experiment_id } = await services.experiments.create({ name: `ingest-direct-${Date.now()}` })
      const runIds: string[] = []
      for (let c = 0; c < plan.clients; c++) {
        const { run } = await services.runs.create({ experiment_id, run_name: `ingest-${c}` })
        runIds.push(run.info.run_id)
      }
      const batches = runIds.map((_, c) => Array.from({ length: plan.warmupBatches + plan.batches }, (_, i) => metricBatch(c, i, plan.batchSize)))
      const write = (c: number, i: number) => store.runs.writeBatch(runIds[c], { metrics: batches[c][i], params: [], tags: [] })
      await concurrently(plan.clients, plan.warmupBatches, write)
      const cpu0 = process.cpuUsage()
      const t0 = performance.now()
      await concurrently(plan.clients, plan.batches, (c, i) => write(c, plan.warmupBatches + i))
      const cpu = process.cpuUsage(cpu0)
      return result(plan, performance.now() - t0, (cpu.user + cpu.system) / 1e6)
    },
    async close() {
      await store.close()
      fs.rmSync(artifacts, { recursive: true, force: true })
    },
  }
}

/** The middle of an odd number of results by throughput. */
export function median(results: IngestResult[]): IngestResult {
  return [...results].sort((a, b) => a.pointsPerSecond - b.pointsPerSecond)[results.length >> 1]
}

function result(plan: IngestPlan, ms: number, cpuSeconds: number): IngestResult {
  const points = plan.clients * plan.batches * plan.batchSize
  return { points, seconds: ms / 1000, pointsPerSecond: points / (ms / 1000), cpuMsPer1000Points: (cpuSeconds * 1e6) / points }
}
