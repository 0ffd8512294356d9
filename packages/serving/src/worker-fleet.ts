import cluster, { type Worker } from 'node:cluster'
import type { Deployer, Log } from './deployer.js'
import type { FollowStatus } from './follow-status.js'
import { envelope, opened, type ToPrimary, type ToWorker } from './cluster-messages.js'
import type { VersionTarget } from './served-version.js'
import { SwapFailure } from './swap-failure.js'

// More unexpected exits than this within RESTART_WINDOW_MS means the workers cannot run: give up.
const MAX_RESTARTS = 5
const RESTART_WINDOW_MS = 60_000
const SHUTDOWN_GRACE_MS = 10_000

interface Pending {
  resolve(): void
  reject(err: SwapFailure): void
}

/**
 * The cluster primary's view of its workers (node:cluster; they share the listening port). It
 * forks them, replaces any that crash (the replacement loads the current version before it takes
 * connections), and is the Deployer of the primary's follower: a swap is prepared on every worker,
 * then committed on all or aborted on all.
 */
export class WorkerFleet implements Deployer {
  private readonly workers = new Set<Worker>()
  private readonly pending = new Map<number, Pending & { worker: Worker }>()
  private nextId = 1
  private current?: VersionTarget
  private status: FollowStatus = {}
  // Swaps and worker adoptions run one at a time, so no worker misses a version.
  private queue: Promise<unknown> = Promise.resolve()
  private restarts: number[] = []
  private stopping = false
  private listeningUrl?: string
  /** Set by the owner: a worker received a verified webhook push. */
  onPollRequest: () => void = () => undefined
  /** Set by the owner: workers keep dying, the fleet gave up. */
  onGiveUp: (reason: string) => void = () => undefined

  constructor(
    private readonly size: number,
    private readonly log: Log,
  ) {}

  /** Forks the workers and resolves with the URL once all of them listen. */
  async start(): Promise<string> {
    const all = Array.from({ length: this.size }, () => this.fork())
    await Promise.all(all.map((w) => this.listening(w)))
    return this.listeningUrl!
  }

  /** The version the workers serve (the last one committed). */
  get serving(): VersionTarget | undefined {
    return this.current
  }

  deploy(target: VersionTarget): Promise<void> {
    return this.serially(async () => {
      const live = [...this.workers].filter((w) => !w.isDead())
      const prepared = await Promise.allSettled(live.map((w) => this.request(w, { t: 'prepare', id: 0, target })))
      const failures = prepared.flatMap((r) => (r.status === 'rejected' ? [r.reason as SwapFailure] : []))
      if (failures.length > 0) {
        await Promise.allSettled(live.map((w) => this.request(w, { t: 'abort', id: 0, target })))
        throw new SwapFailure(failures[0].message, { transient: failures.every((f) => f.transient) })
      }
      await Promise.allSettled(live.map((w) => this.request(w, { t: 'commit', id: 0, target })))
      this.current = target
    })
  }

  report(status: FollowStatus): void {
    this.status = status
    for (const w of this.workers) send(w, { t: 'status', status })
  }

  /** Asks every worker to finish its requests and exit; kills those still running after a grace period. */
  async stop(): Promise<void> {
    this.stopping = true
    const exits = [...this.workers].map((w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))))
    for (const w of this.workers) send(w, { t: 'shutdown' })
    const timer = setTimeout(() => {
      for (const w of this.workers) if (!w.isDead()) w.process.kill('SIGKILL')
    }, SHUTDOWN_GRACE_MS)
    await Promise.all(exits)
    clearTimeout(timer)
  }

  private fork(): Worker {
    const worker = cluster.fork()
    this.workers.add(worker)
    worker.on('message', (raw: unknown) => {
      const msg = opened<ToPrimary>(raw)
      if (msg) this.onMessage(worker, msg)
    })
    worker.on('exit', (code, signal) => this.onExit(worker, code, signal))
    return worker
  }

  private onMessage(worker: Worker, msg: ToPrimary): void {
    switch (msg.t) {
      case 'hello':
        // A first worker listens at once (nothing is loaded yet); a replacement loads the current
        // version first, inside the queue, so a swap cannot slip past it.
        void this.serially(async () => {
          send(worker, { t: 'init', current: this.current })
          send(worker, { t: 'status', status: this.status })
          await this.listening(worker)
        }).catch(() => undefined)
        return
      case 'listening':
        this.listeningUrl ??= msg.url
        return
      case 'done': {
        const p = this.pending.get(msg.id)
        if (!p) return
        this.pending.delete(msg.id)
        if (msg.ok) p.resolve()
        else p.reject(new SwapFailure(msg.message, { transient: msg.transient }))
        return
      }
      case 'poll-now':
        this.onPollRequest()
    }
  }

  private onExit(worker: Worker, code: number | null, signal: string | null): void {
    this.workers.delete(worker)
    for (const [id, p] of this.pending) {
      if (p.worker !== worker) continue
      this.pending.delete(id)
      // Transient: the version is tried again at the next poll (a version that kills every worker
      // that loads it ends in the restart limit instead).
      p.reject(new SwapFailure(`worker ${worker.process.pid} exited (${signal ?? `code ${code}`}) during the swap`, { transient: true }))
    }
    if (this.stopping) return
    // Exit code 0 is a worker told to stop (a signal sent to the whole process group, as systemd
    // does): replacing it would race with our own shutdown. Crashes are replaced.
    if (code === 0 && signal === null) {
      this.log('warn', `worker ${worker.process.pid} stopped; not replaced`)
      if (this.workers.size === 0) this.onGiveUp('every worker stopped')
      return
    }
    this.log('error', `worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting another`)
    const now = Date.now()
    this.restarts = [...this.restarts.filter((t) => now - t < RESTART_WINDOW_MS), now]
    if (this.restarts.length > MAX_RESTARTS) {
      this.onGiveUp(`${this.restarts.length} workers exited within ${RESTART_WINDOW_MS / 1000} s`)
      return
    }
    this.fork()
  }

  /** Resolves when `worker` reports that it listens; rejects if it exits first. */
  private listening(worker: Worker): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onMessage = (raw: unknown) => {
        if (opened<ToPrimary>(raw)?.t !== 'listening') return
        cleanup()
        resolve()
      }
      const onExit = () => {
        cleanup()
        reject(new Error(`worker ${worker.process.pid} exited before it listened`))
      }
      const cleanup = () => {
        worker.off('message', onMessage)
        worker.off('exit', onExit)
      }
      worker.on('message', onMessage)
      worker.on('exit', onExit)
    })
  }

  private request(worker: Worker, msg: Extract<ToWorker, { id: number }>): Promise<void> {
    const id = this.nextId++
    return new Promise<void>((resolve, reject) => {
      if (worker.isDead() || !worker.isConnected()) {
        reject(new SwapFailure(`worker ${worker.process.pid} is gone`, { transient: true }))
        return
      }
      this.pending.set(id, { resolve, reject, worker })
      send(worker, { ...msg, id })
    })
  }

  private serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task)
    this.queue = run.catch(() => undefined)
    return run
  }
}

function send(worker: Worker, msg: ToWorker): void {
  if (worker.isConnected()) worker.send(envelope(msg))
}
