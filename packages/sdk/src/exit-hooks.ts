import { inspect } from 'node:util'

/**
 * Why the process is going away. `exit`: the event loop emptied (beforeExit). `signal`: SIGINT/SIGTERM
 * with nobody else handling it, so the process is about to die. `crash`: an uncaught exception or
 * unhandled rejection with nobody else handling it, so the process is about to exit with status 1.
 * `interrupt`: a signal or error the script handles itself, so it may go on.
 */
export type ExitReason = 'exit' | 'signal' | 'crash' | 'interrupt'

/** Something with buffered work to finish before the process goes away. */
export interface ExitParticipant {
  onExit(reason: ExitReason): Promise<void>
  /** What is still unsent when the process exits with no chance to send it (process.exit()), if anything. */
  unsentAtExit?(): string | undefined
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const
// A hung server must not hold a Ctrl-C, or a crashed script, hostage for long.
const SIGNAL_GRACE_MS = 5_000
// Node's own exit status for an uncaught exception.
const CRASH_EXIT_CODE = 1

const participants = new Set<ExitParticipant>()
let installed = false
let signalled = false
let crashed = false

/** Finishes `p`'s work at process exit (until `unregister`). Hooks exist only while someone is registered. */
export function registerForExit(p: ExitParticipant): void {
  participants.add(p)
  if (!installed) {
    installed = true
    process.on('beforeExit', onBeforeExit)
    process.on('exit', onExit)
    process.on('uncaughtException', onUncaught)
    for (const s of SIGNALS) process.on(s, onSignal)
  }
}

export function unregisterForExit(p: ExitParticipant): void {
  participants.delete(p)
  if (participants.size === 0) uninstall()
}

function uninstall(): void {
  if (!installed) return
  installed = false
  process.off('beforeExit', onBeforeExit)
  process.off('exit', onExit)
  process.off('uncaughtException', onUncaught)
  for (const s of SIGNALS) process.off(s, onSignal)
}

// process.exit() skips beforeExit, and nothing asynchronous can run in 'exit': say what is lost,
// so it is not lost silently.
function onExit(): void {
  for (const p of participants) {
    const unsent = p.unsentAtExit?.()
    if (unsent) process.stderr.write(`railyard: ${unsent}\n`)
  }
}

async function finishAll(reason: ExitReason): Promise<void> {
  await Promise.all(
    [...participants].map(async (p) => {
      try {
        await p.onExit(reason)
      } catch (err) {
        process.stderr.write(`railyard: could not finish a run at exit: ${(err as Error).message}\n`)
      }
    }),
  )
}

// beforeExit fires whenever the loop empties; the async work below refills it, and once every
// participant has unregistered the hook is gone, so the next empty loop really exits.
function onBeforeExit(): void {
  const before = participants.size
  void finishAll('exit').then(() => {
    // A participant that could not finish must not make beforeExit loop forever.
    if (participants.size === before) uninstall()
  })
}

function onSignal(signal: NodeJS.Signals): void {
  const othersHandleIt = process.listenerCount(signal) > 1
  if (othersHandleIt) {
    // The script has its own handler and decides whether to stop; just get the points out.
    void finishAll('interrupt')
    return
  }
  if (signalled) {
    // A second Ctrl-C: stop waiting.
    uninstall()
    process.kill(process.pid, signal)
    return
  }
  signalled = true
  const grace = new Promise<void>((resolve) => setTimeout(resolve, SIGNAL_GRACE_MS).unref())
  void Promise.race([finishAll('signal'), grace]).then(() => {
    // Re-raise with our handler gone, so the default action ends the process with the signal's
    // status (130 for SIGINT), as if we had never listened.
    uninstall()
    process.kill(process.pid, signal)
  })
}

// Without this hook a script that throws would leave its run RUNNING forever and lose the points
// still in the buffer (the last ones before the failure, the ones worth seeing). Listening changes
// what Node does with the error, so this does what Node would: print it, then exit with status 1.
// An unhandled rejection arrives here too (origin 'unhandledRejection'), as Node's default
// --unhandled-rejections=throw raises it as an uncaught exception when someone listens.
function onUncaught(err: unknown): void {
  if (process.listenerCount('uncaughtException') > 1) {
    // The script handles uncaught errors itself and decides whether to go on: get the points out.
    void finishAll('interrupt')
    return
  }
  // Printed first, so the reader sees the failure at once, whatever the server does.
  process.stderr.write(`${inspect(err)}\n\nNode.js ${process.version}\n`)
  if (crashed) return
  crashed = true
  const grace = new Promise<void>((resolve) => setTimeout(resolve, SIGNAL_GRACE_MS).unref())
  // The 'exit' hook stays, to say what the grace period left unsent.
  void Promise.race([finishAll('crash'), grace]).then(() => process.exit(CRASH_EXIT_CODE))
}
