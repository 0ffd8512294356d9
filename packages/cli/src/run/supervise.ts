import { spawn } from 'node:child_process'
import os from 'node:os'
import type { Readable } from 'node:stream'
import { LineSplitter } from './line-splitter.js'

export interface SuperviseOptions {
  env: NodeJS.ProcessEnv
  /** Every complete output line, in the order this process saw them across both streams. */
  onLine(stream: 'stdout' | 'stderr', line: string): void
}

export interface ChildOutcome {
  /** What `railyard run` exits with: the child's code, 128 + signal number if a signal ended it. */
  exitCode: number
  /** The signal that ended the child, if one did. */
  signal?: NodeJS.Signals
  /** The first signal `railyard run` itself received and passed on (Ctrl-C, SIGTERM, SIGHUP). */
  interruptedBy?: NodeJS.Signals
  /** Why the command could not be started at all. */
  spawnError?: string
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

/**
 * Runs the command with stdin inherited and stdout/stderr piped: each chunk is echoed to our own
 * stream at once (progress bars keep working) and cut into lines for `onLine`. Signals sent to us
 * are passed on; a third one kills the child outright. Resolves when the child has exited and its
 * output has been read.
 */
export async function supervise(command: string[], opts: SuperviseOptions): Promise<ChildOutcome> {
  // One argument with spaces is a shell command line: `railyard run -- "python a.py | tee out"`.
  const useShell = command.length === 1 && /\s/.test(command[0])
  const child = spawn(command[0], useShell ? [] : command.slice(1), {
    stdio: ['inherit', 'pipe', 'pipe'],
    env: opts.env,
    shell: useShell,
  })

  let interruptedBy: NodeJS.Signals | undefined
  let received = 0
  const onSignal = (signal: NodeJS.Signals) => {
    interruptedBy ??= signal
    received++
    if (received >= 3) return void child.kill('SIGKILL')
    // Ctrl-C at a terminal reaches the whole foreground process group, the child included;
    // sending it again would interrupt the child's own clean-up.
    if (signal !== 'SIGTERM' && process.stdin.isTTY && received === 1) return
    child.kill(signal)
  }
  for (const s of FORWARDED) process.on(s, onSignal)

  const outputs = [
    forward(child.stdout, process.stdout, (line) => opts.onLine('stdout', line)),
    forward(child.stderr, process.stderr, (line) => opts.onLine('stderr', line)),
  ]
  try {
    const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null } | { error: NodeJS.ErrnoException }>(
      (resolve) => {
        child.once('exit', (code, signal) => resolve({ code, signal }))
        child.once('error', (error: NodeJS.ErrnoException) => {
          if (child.pid === undefined) resolve({ error })
        })
      },
    )
    // A background grandchild may hold the pipes open; don't wait on it for long.
    const drained = await Promise.race([Promise.all(outputs.map((o) => o.done)).then(() => true), sleep(2000).then(() => false)])
    if (!drained) for (const o of outputs) o.stop()

    if ('error' in ended) {
      const notFound = ended.error.code === 'ENOENT'
      return {
        exitCode: notFound ? 127 : 126,
        spawnError: notFound ? `command not found: ${command[0]}` : `cannot run ${command[0]}: ${ended.error.message}`,
        interruptedBy,
      }
    }
    if (ended.signal) {
      const number = os.constants.signals[ended.signal] ?? 0
      return { exitCode: 128 + number, signal: ended.signal, interruptedBy }
    }
    return { exitCode: ended.code ?? 1, interruptedBy }
  } finally {
    for (const s of FORWARDED) process.off(s, onSignal)
  }
}

/** Echoes `src` to `dest` (respecting its backpressure) and splits it into lines. */
function forward(src: Readable, dest: NodeJS.WriteStream, onLine: (line: string) => void) {
  const splitter = new LineSplitter(onLine)
  // If our own output goes away (`railyard run … | head`), the child keeps running and its lines
  // keep going to the server.
  let destBroken = false
  const onDestError = () => {
    destBroken = true
    src.resume()
  }
  dest.on('error', onDestError)
  src.on('data', (chunk: Buffer) => {
    splitter.push(chunk)
    if (destBroken) return
    if (!dest.write(chunk)) {
      src.pause()
      dest.once('drain', () => src.resume())
    }
  })
  let finish: () => void
  const done = new Promise<void>((resolve) => (finish = resolve))
  let finished = false
  const end = () => {
    if (finished) return
    finished = true
    splitter.end()
    dest.off('error', onDestError)
    finish()
  }
  src.once('end', end)
  src.once('close', end)
  return {
    done,
    stop() {
      src.destroy()
      end()
    },
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref())
