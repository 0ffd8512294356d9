import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { procCpuSeconds, stopChild } from '../shared/process-stats.js'

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
      resolve({ url, pid: child.pid!, cpuSeconds: () => procCpuSeconds(child.pid!), log: () => stderr, stop: () => stopChild(child, 15_000) })
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`exited with ${code} before listening:\n${stdout}\n${stderr}`))
    })
  })
}
