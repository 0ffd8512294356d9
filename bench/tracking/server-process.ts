import { spawn } from 'node:child_process'
import readline from 'node:readline'
import { fileURLToPath } from 'node:url'
import { procCpuSeconds, procMemory, stopChild } from '../shared/process-stats.js'

export interface ServerProcess {
  url: string
  pid: number
  /** Resident and peak resident memory of the server process, in MB (from /proc). */
  memory(): { rssMb: number; peakRssMb: number }
  /** CPU time (user + system, all threads) the server has used so far, in seconds. */
  cpuSeconds(): number
  stop(): Promise<void>
}

const serverScript = fileURLToPath(new URL('./server.ts', import.meta.url))

/**
 * Spawns bench/tracking/server.ts on a store and waits until it listens. BENCH_SERVER_NODE_ARGS
 * adds node flags to the server, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it.
 */
export async function startServer(backendStoreUri: string, artifactsDir: string): Promise<ServerProcess> {
  const extra = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', serverScript, backendStoreUri, artifactsDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! })
    lines.once('line', (line) => resolve(JSON.parse(line).url))
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code} before listening`)))
  })
  return {
    url,
    pid: child.pid!,
    memory: () => procMemory(child.pid!),
    cpuSeconds: () => procCpuSeconds(child.pid!),
    stop: () => stopChild(child),
  }
}
