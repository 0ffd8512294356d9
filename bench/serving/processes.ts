import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import { fileURLToPath } from 'node:url'

const CLI = fileURLToPath(new URL('../../packages/cli/bin/railyard.js', import.meta.url))
const BARE = fileURLToPath(new URL('./bare-server.ts', import.meta.url))

export interface Child {
  url: string
  pid: number
  /** CPU seconds (user + system) used so far. */
  cpuSeconds(): number
  /** Everything it wrote to stderr. */
  log(): string
  stop(): Promise<void>
}

/** `railyard serve …` (the real CLI); resolves once it prints where it serves. */
export function startServe(args: string[], env: Record<string, string>): Promise<Child> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  return started(child, (out) => / at (http:\/\/\S+)/.exec(out)?.[1])
}

/** The bare Fastify baseline. */
export function startBare(): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', BARE], { stdio: ['ignore', 'pipe', 'pipe'] })
  return started(child, (out) => /"url":"([^"]+)"/.exec(out)?.[1])
}

function started(child: ChildProcess, urlOf: (stdout: string) => string | undefined): Promise<Child> {
  let stdout = ''
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL after 60 s:\n${stdout}\n${stderr}`)), 60_000)
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
      const url = urlOf(stdout)
      if (!url) return
      clearTimeout(timer)
      resolve({ url, pid: child.pid!, cpuSeconds: () => cpuSeconds(child.pid!), log: () => stderr, stop: () => stop(child) })
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`exited with ${code} before listening:\n${stdout}\n${stderr}`))
    })
  })
}

// utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second); the
// cluster's workers are children, counted once they exit (fields 16 and 17), so this is for single processes.
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  await exited
  clearTimeout(timer)
}
