/** Something with buffered work to finish before the process goes away. */
export interface ExitParticipant {
  /**
   * `exit`: the event loop emptied (beforeExit). `signal`: SIGINT/SIGTERM with nobody else handling
   * it, so the process is about to die. `interrupt`: a signal the script handles itself, so it may go on.
   */
  onExit(reason: 'exit' | 'signal' | 'interrupt'): Promise<void>
  /** What is still unsent when the process exits with no chance to send it (process.exit()), if anything. */
  unsentAtExit?(): string | undefined
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const
// A hung server must not hold a Ctrl-C hostage for long.
const SIGNAL_GRACE_MS = 5_000

const participants = new Set<ExitParticipant>()
let installed = false
let signalled = false

/** Finishes `p`'s work at process exit (until `unregister`). Hooks exist only while someone is registered. */
export function registerForExit(p: ExitParticipant): void {
  participants.add(p)
  if (!installed) {
    installed = true
    process.on('beforeExit', onBeforeExit)
    process.on('exit', onExit)
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

async function finishAll(reason: 'exit' | 'signal' | 'interrupt'): Promise<void> {
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
