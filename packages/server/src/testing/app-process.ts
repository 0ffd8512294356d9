import { fork, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

export interface AppProcess {
  url: string
  artifactsDir: string
  pid: number
  /** Resident memory now and its high-water mark since start or the last resetPeak(), in bytes (Linux /proc). */
  memory(): { rss: number; peakRss: number }
  /** Starts a new high-water mark from the current resident size. */
  resetPeak(): void
  /** Stops the server and removes its database and files. */
  stop(): Promise<void>
}

const childScript = fileURLToPath(new URL('./app-process-main.ts', import.meta.url))

/**
 * A test app (SQLite, local artifacts) in its own process, for tests that measure the server's
 * memory without counting the client's: the test talks to it over HTTP only.
 */
export async function startAppProcess(): Promise<AppProcess> {
  const child = fork(childScript, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const [ready] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) => Promise.reject(new Error(`test app process exited with ${code} before listening`))),
  ])) as [{ url: string; artifactsDir: string }]
  const pid = child.pid!
  return {
    url: ready.url,
    artifactsDir: ready.artifactsDir,
    pid,
    memory: () => procMemory(pid),
    // Writing 5 to clear_refs resets the peak resident size (VmHWM) to the current one.
    resetPeak: () => fs.writeFileSync(`/proc/${pid}/clear_refs`, '5'),
    stop: () => stop(child),
  }
}

function procMemory(pid: number): { rss: number; peakRss: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024
  return { rss: kb('VmRSS'), peakRss: kb('VmHWM') }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = once(child, 'exit')
  child.send('stop')
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}
