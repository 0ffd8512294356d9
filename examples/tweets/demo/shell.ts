import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root: commands run from here, as a newcomer following the README would. */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
/** The real `railyard` command of this checkout. */
export const RAILYARD = path.join(REPO, 'packages/cli/bin/railyard.js')

/** A command exited with another code than the story needs. */
export class CommandError extends Error {}

export interface Result {
  code: number
  stdout: string
  stderr: string
}

/** A command still running (the server, the model server), with its output so far. */
export interface Background {
  child: ChildProcess
  output(): string
  /** SIGTERM, then SIGKILL if it has not ended after a few seconds. */
  stop(): Promise<void>
}

/**
 * Runs the story's commands and prints them as a transcript: `$ command` and its output indented
 * below, as it arrives. Everything printed also goes to `transcript`, so a test can show it when an
 * expectation fails.
 */
export class Shell {
  readonly transcript: string[] = []

  constructor(
    /** Environment every command gets on top of the inherited one (tracking URI, model cache). */
    readonly env: Record<string, string>,
    private readonly print: (text: string) => void = (t) => process.stdout.write(t),
  ) {}

  say(text: string): void {
    this.emit(`${text}\n`)
  }

  /** `railyard ARGS…`; `expect` is the exit code the story needs (error otherwise). */
  async railyard(args: string[], opts: { expect?: number | 'any' } = {}): Promise<Result> {
    return this.run(process.execPath, [RAILYARD, ...args], `railyard ${args.map(quote).join(' ')}`, opts.expect ?? 0)
  }

  /**
   * `railyard ARGS…` for each list at once (they must not depend on each other); the transcript
   * shows them one after the other, each with its own output, as if run in order.
   */
  async railyardAll(argLists: string[][]): Promise<Result[]> {
    const held = argLists.map(() => [] as string[])
    const settled = await Promise.allSettled(
      argLists.map((args, i) => this.exec(process.execPath, [RAILYARD, ...args], `railyard ${args.map(quote).join(' ')}`, 0, (t) => held[i].push(t))),
    )
    for (const lines of held) for (const line of lines) this.emit(line)
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')
    if (failed) throw failed.reason
    return settled.map((s) => (s as PromiseFulfilledResult<Result>).value)
  }

  /** Any command, shown as `shown`, its output printed as it arrives. */
  run(cmd: string, args: string[], shown: string, expect: number | 'any' = 0): Promise<Result> {
    return this.exec(cmd, args, shown, expect, (t) => this.emit(t))
  }

  private async exec(cmd: string, args: string[], shown: string, expect: number | 'any', sink: (text: string) => void): Promise<Result> {
    sink(`$ ${shown}\n`)
    const child = spawn(cmd, args, { cwd: REPO, env: this.childEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    const out = { stdout: '', stderr: '' }
    const indent = indenter(sink)
    child.stdout!.setEncoding('utf8').on('data', (d: string) => ((out.stdout += d), indent(d)))
    child.stderr!.setEncoding('utf8').on('data', (d: string) => ((out.stderr += d), indent(d)))
    const code = await new Promise<number>((resolve, reject) => {
      child.on('error', reject)
      child.on('close', (c, signal) => resolve(c ?? (signal ? 128 : 1)))
    })
    indent(null)
    if (expect !== 'any' && code !== expect) {
      throw new CommandError(`\`${shown}\` exited with ${code}, expected ${expect}`)
    }
    return { code, ...out }
  }

  /** Starts `railyard ARGS…` in the background and waits until its output matches `ready`. */
  async background(args: string[], ready: RegExp, timeoutMs = 60_000): Promise<Background & { match: RegExpMatchArray }> {
    const shown = `railyard ${args.map(quote).join(' ')} &`
    this.emit(`$ ${shown}\n`)
    const child = spawn(process.execPath, [RAILYARD, ...args], { cwd: REPO, env: this.childEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    let all = ''
    const indent = indenter((t) => this.emit(t))
    const ended = new Promise<void>((resolve) => child.on('close', () => resolve()))
    const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`\`${shown}\` did not print ${ready} within ${timeoutMs} ms:\n${all}`)), timeoutMs)
      const onData = (d: string) => {
        all += d
        const m = all.match(ready)
        if (m) {
          clearTimeout(timer)
          indent(all)
          indent(null)
          child.stdout!.off('data', onData)
          child.stderr!.off('data', onData)
          resolve(m)
        }
      }
      child.stdout!.setEncoding('utf8').on('data', onData)
      child.stderr!.setEncoding('utf8').on('data', onData)
      child.on('close', (code) => {
        clearTimeout(timer)
        reject(new Error(`\`${shown}\` ended (exit ${code}) before it was ready:\n${all}`))
      })
    })
    // Keep collecting (not printing) what it says later, for output().
    child.stdout!.on('data', (d: string) => (all += d))
    child.stderr!.on('data', (d: string) => (all += d))
    return {
      child,
      match,
      output: () => all,
      stop: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return
        child.kill('SIGTERM')
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000)
        await ended
        clearTimeout(killer)
      },
    }
  }

  private childEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {}
    // Only our own settings reach the commands: a tracking URI or run id from the caller's shell
    // must not send the demo's runs somewhere else.
    for (const [k, v] of Object.entries(process.env)) if (!/^(MLFLOW_|RAILYARD_)/.test(k)) env[k] = v
    return { ...env, NO_COLOR: '1', ...this.env }
  }

  private emit(text: string): void {
    this.transcript.push(text)
    this.print(text)
  }
}

/** Passes a command's output on indented, line by line as it arrives; null flushes the last partial line. */
function indenter(sink: (text: string) => void): (chunk: string | null) => void {
  let partial = ''
  return (chunk) => {
    if (chunk === null) {
      if (partial) sink(`    ${partial}\n`)
      partial = ''
      return
    }
    const lines = (partial + chunk).split('\n')
    partial = lines.pop()!
    for (const line of lines) sink(`    ${line}\n`)
  }
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`
}
