// The sweep pattern: each client creates a run, logs one small batch into it, and moves on.
import { performance } from 'node:perf_hooks'
import { concurrently, post } from './http-client.js'
import { SEED, prng, sweepTrial } from './workload.js'
import type { ServerProcess } from './server-process.js'

export interface SweepPlan {
  clients: number
  warmupRuns: number
  runs: number
}

export interface SweepResult {
  runs: number
  seconds: number
  runsPerSecond: number
  /** Server CPU per run (create + batch), in ms: less noisy than throughput on shared cores. */
  serverCpuMsPerRun: number
  /** The load generator's CPU per run, in ms: it shares the cores with the server. */
  clientCpuMsPerRun: number
}

export async function sweep(server: ServerProcess, plan: SweepPlan): Promise<SweepResult> {
  const url = server.url
  const { experiment_id } = await post(url, '/experiments/create', { name: `sweep-${Date.now()}` })
  const rands = Array.from({ length: plan.clients }, (_, c) => prng(SEED + 7919 * c))
  const trial = async (c: number, i: number) => {
    const t = sweepTrial(rands[c], experiment_id, c * 1_000_000 + i)
    const { run } = await post(url, '/runs/create', t.create)
    await post(url, '/runs/log-batch', t.batch(run.info.run_id))
  }
  await concurrently(plan.clients, plan.warmupRuns, trial)
  const cpu0 = server.cpuSeconds()
  const client0 = process.cpuUsage()
  const t0 = performance.now()
  await concurrently(plan.clients, plan.runs, (c, i) => trial(c, plan.warmupRuns + i))
  const seconds = (performance.now() - t0) / 1000
  const client = process.cpuUsage(client0)
  const runs = plan.clients * plan.runs
  return {
    runs,
    seconds,
    runsPerSecond: runs / seconds,
    serverCpuMsPerRun: ((server.cpuSeconds() - cpu0) * 1000) / runs,
    clientCpuMsPerRun: (client.user + client.system) / 1000 / runs,
  }
}
