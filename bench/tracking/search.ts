// Search latency as the run count grows: seed runs straight into the store, then time
// runs/search over HTTP with a metric filter, a param filter and an order by a metric.
import { performance } from 'node:perf_hooks'
import { sql } from 'kysely'
import { Store } from '../../packages/server/src/store/store.js'
import type { Backend } from './databases.js'
import type { ServerProcess } from './server-process.js'
import { post } from './http-client.js'
import { seedRuns, type SeedRun } from './workload.js'

export const SEARCH = {
  filter: "metrics.accuracy > 0.5 AND params.optimizer = 'adam'",
  orderBy: ['metrics.loss ASC'],
  maxResults: 100,
}

export interface SearchResult {
  runs: number
  samples: number
  p50Ms: number
  p95Ms: number
  /** Server CPU per call, in ms: about what a call takes on an idle core, whatever the load around. */
  serverCpuMs: number
  /** Whether the page held exactly the expected runs in the expected order. */
  correct: boolean
  seedSeconds: number
}

/**
 * Grows one experiment to each size in `sizes` and measures it. Seeding writes multi-row INSERTs
 * in transactions of 10,000 runs directly into the store (the HTTP path is measured elsewhere).
 * On PostgreSQL it then runs ANALYZE, as autovacuum would soon after such a bulk load; SQLite
 * gets no ANALYZE, since nothing runs one there unless the server does.
 */
export async function searchAtSizes(server: ServerProcess, uri: string, sizes: number[], budgetMs: number, backend: Backend): Promise<SearchResult[]> {
  const url = server.url
  const { experiment_id } = await post(url, '/experiments/create', { name: `search-${Date.now()}` })
  const store = await Store.open(uri)
  const out: SearchResult[] = []
  const seeded: SeedRun[] = []
  try {
    for (const size of sizes) {
      const t0 = performance.now()
      const fresh = [...seedRuns(seeded.length, size)]
      await insertRuns(store, Number(experiment_id), fresh)
      seeded.push(...fresh)
      if (backend === 'postgres') await sql`ANALYZE`.execute(store.db)
      const seedSeconds = (performance.now() - t0) / 1000
      const expected = seeded
        .filter((r) => r.accuracy > 0.5 && r.optimizer === 'adam')
        .sort((a, b) => a.loss - b.loss)
        .slice(0, SEARCH.maxResults)
        .map((r) => r.runId)
      out.push({ runs: size, seedSeconds, ...(await timeSearch(server, experiment_id, expected, budgetMs)) })
    }
  } finally {
    await store.close()
  }
  return out
}

async function timeSearch(server: ServerProcess, experimentId: string, expected: string[], budgetMs: number) {
  const url = server.url
  const body = JSON.stringify({
    experiment_ids: [experimentId],
    filter: SEARCH.filter,
    order_by: SEARCH.orderBy,
    max_results: SEARCH.maxResults,
  })
  const first = await post(url, '/runs/search', body)
  const got = (first.runs ?? []).map((r: any) => r.info.run_id as string)
  const correct = got.length === expected.length && got.every((id: string, i: number) => id === expected[i])
  // Warm-up, so the first size is not measured while V8 is still optimizing the search path.
  for (let i = 0; i < 30; i++) await post(url, '/runs/search', body)
  const latencies: number[] = []
  const cpu0 = server.cpuSeconds()
  const start = performance.now()
  while (latencies.length < 200 && (latencies.length < 20 || performance.now() - start < budgetMs)) {
    const t0 = performance.now()
    await post(url, '/runs/search', body)
    latencies.push(performance.now() - t0)
  }
  const serverCpuMs = ((server.cpuSeconds() - cpu0) * 1000) / latencies.length
  latencies.sort((a, b) => a - b)
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]
  return { samples: latencies.length, p50Ms: pct(0.5), p95Ms: pct(0.95), serverCpuMs, correct }
}

const CHUNK = 500
const RUNS_PER_TRANSACTION = 10_000

export async function insertRuns(store: Store, experimentId: number, runs: SeedRun[]): Promise<void> {
  for (let t = 0; t < runs.length; t += RUNS_PER_TRANSACTION) {
    const part = runs.slice(t, t + RUNS_PER_TRANSACTION)
    await store.db.transaction().execute(async (tx) => {
      for (let i = 0; i < part.length; i += CHUNK) {
        const chunk = part.slice(i, i + CHUNK)
        await tx
          .insertInto('runs')
          .values(
            chunk.map((r) => ({
              run_uuid: r.runId,
              name: `seed-${r.runId.slice(0, 8)}`,
              experiment_id: experimentId,
              user_id: 'bench',
              status: 'FINISHED',
              start_time: r.startTime,
              end_time: r.startTime + 60_000,
              lifecycle_stage: 'active',
              artifact_uri: `mlflow-artifacts:/${experimentId}/${r.runId}/artifacts`,
              deleted_time: null,
            })),
          )
          .execute()
        await tx
          .insertInto('params')
          .values(
            chunk.flatMap((r) => [
              { run_uuid: r.runId, key: 'optimizer', value: r.optimizer },
              { run_uuid: r.runId, key: 'lr', value: r.lr },
              { run_uuid: r.runId, key: 'batch_size', value: r.batchSize },
            ]),
          )
          .execute()
        await tx
          .insertInto('tags')
          .values(chunk.map((r) => ({ run_uuid: r.runId, key: 'mlflow.runName', value: `seed-${r.runId.slice(0, 8)}` })))
          .execute()
        const metrics = chunk.flatMap((r) => [
          { run_uuid: r.runId, key: 'accuracy', value: r.accuracy, timestamp: r.startTime, step: 0, is_nan: 0 },
          { run_uuid: r.runId, key: 'loss', value: r.loss, timestamp: r.startTime, step: 0, is_nan: 0 },
        ])
        await tx.insertInto('metrics').values(metrics).execute()
        await tx.insertInto('latest_metrics').values(metrics).execute()
      }
    })
  }
}
