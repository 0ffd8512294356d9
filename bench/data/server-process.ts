import { spawn } from 'node:child_process'
import fs from 'node:fs'
import readline from 'node:readline'
import { fileURLToPath } from 'node:url'
import { procCpuSeconds, procMemory, stopChild } from '../shared/process-stats.js'

export interface ServerProcess {
  url: string
  pid: number
  /** Resident and peak resident memory (VmRSS, VmHWM) of the server process, in MB. */
  memory(): { rssMb: number; peakRssMb: number }
  /** CPU time (user + system, all threads) the server has used so far, in seconds. */
  cpuSeconds(): number
  /** Starts peak-RSS accounting afresh (Linux: `5` into /proc/<pid>/clear_refs), so a later peak belongs to what follows. */
  resetPeak(): boolean
  stop(): Promise<void>
}

const serverScript = fileURLToPath(new URL('./server.ts', import.meta.url))

/**
 * Spawns bench/data/server.ts (with this process's environment plus `env`) and waits until it
 * listens. BENCH_SERVER_NODE_ARGS adds node flags, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to
 * profile the server.
 */
export async function startServer(backendStoreUri: string, artifactsDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const extra = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', serverScript, backendStoreUri, artifactsDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  })
  const url = await new Promise<string>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! })
    lines.once('line', (line) => resolve(JSON.parse(line).url))
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code} before listening`)))
  })
  const pid = child.pid!
  return {
    url,
    pid,
    memory: () => procMemory(pid),
    cpuSeconds: () => procCpuSeconds(pid),
    resetPeak: () => {
      try {
        fs.writeFileSync(`/proc/${pid}/clear_refs`, '5')
        return true
      } catch {
        return false
      }
    },
    stop: () => stopChild(child),
  }
}
