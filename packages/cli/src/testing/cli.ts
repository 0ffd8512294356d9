import { spawn, type ChildProcess } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createTestApp, type TestApp } from '@railyard/server/testing/test-app.js'

/** The real command, as users run it. */
export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/railyard.js')

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Environment for the CLI under test: ours without any tracking variables, plus `extra`. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(MLFLOW_|RAILYARD_)/.test(k)) env[k] = v
  }
  return { ...env, NO_COLOR: '1', ...extra }
}

/** Starts `railyard …` and returns the process, its output so far, and a promise of its end. */
export function startCli(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: cliEnv(opts.env),
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const out = { stdout: '', stderr: '' }
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out.stdout += d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out.stderr += d))
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout: out.stdout, stderr: out.stderr })),
  )
  return { child, out, done, waitFor: (pattern: RegExp, timeoutMs = 30_000) => waitFor(child, out, pattern, timeoutMs) }
}

/** Runs `railyard …` to the end. */
export function runCli(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliResult> {
  return startCli(args, opts).done
}

/** Resolves once stdout or stderr matches; rejects if the process ends first or time runs out. */
function waitFor(child: ChildProcess, out: { stdout: string; stderr: string }, pattern: RegExp, timeoutMs: number) {
  return new Promise<void>((resolve, reject) => {
    const check = () => {
      if (pattern.test(out.stdout) || pattern.test(out.stderr)) {
        cleanup()
        resolve()
      }
    }
    const onClose = () => {
      cleanup()
      reject(new Error(`process ended before ${pattern}; stdout: ${out.stdout}\nstderr: ${out.stderr}`))
    }
    const timer = setTimeout(() => {
      cleanup()
      reject(new Error(`timed out waiting for ${pattern}; stdout: ${out.stdout}\nstderr: ${out.stderr}`))
    }, timeoutMs)
    const cleanup = () => {
      clearTimeout(timer)
      child.stdout!.off('data', check)
      child.stderr!.off('data', check)
      child.off('close', onClose)
    }
    child.stdout!.on('data', check)
    child.stderr!.on('data', check)
    child.on('close', onClose)
    check()
  })
}

export interface TestServer {
  app: TestApp
  url: string
  /** Raw JSON call to the server, for seeding and checking without the CLI. */
  api(method: 'GET' | 'POST', p: string, body?: Record<string, unknown>): Promise<any>
  close(): Promise<void>
}

/** A real Railyard server on 127.0.0.1 and a random port, over a fresh database. */
export async function startServer(dialect: 'sqlite' | 'postgres' = 'sqlite'): Promise<TestServer> {
  const app = await createTestApp(dialect)
  const url = await app.app.listen({ host: '127.0.0.1', port: 0 })
  return {
    app,
    url,
    async api(method, p, body) {
      const qs = method === 'GET' && body ? `?${new URLSearchParams(body as Record<string, string>)}` : ''
      const res = await fetch(url + p + qs, {
        method,
        headers: method === 'POST' ? { 'content-type': 'application/json' } : {},
        body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined,
      })
      const json = await res.json()
      if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`)
      return json
    },
    close: () => app.dispose(),
  }
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
