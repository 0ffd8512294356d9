import cluster from 'node:cluster'
import type { FastifyInstance } from 'fastify'
import { parseModelLocation, RailyardClient, type ModelLocation } from '@railyard/sdk'
import { buildServingApp } from './app.js'
import { runWorker } from './cluster-worker.js'
import { envelope } from './cluster-messages.js'
import { loadTarget } from './load-target.js'
import { slotDeployer, type Log } from './deployer.js'
import { AliasFollower } from './follower.js'
import type { BatchingOptions } from './micro-batcher.js'
import { ModelSlot } from './model-slot.js'
import type { VersionTarget } from './served-version.js'
import { isMoving, registeredTarget, resolveVersion, unregisteredTarget } from './version-target.js'
import { WorkerFleet } from './worker-fleet.js'

export interface ServeOptions {
  /** `models:/NAME@ALIAS` (followed), `models:/NAME/latest`, `models:/NAME/VERSION`, `runs:/RUN_ID/path` or a local directory. */
  model: string
  /** Default 127.0.0.1. */
  host?: string
  /** Default 8080; 0 picks a free port. */
  port?: number
  /**
   * Processes that serve (node:cluster, sharing the port). Default 1: this process serves. With
   * more, the calling script is run again in each worker, where serveModel must be called with the
   * same options (as `railyard serve` does), and this process only follows the alias.
   */
  workers?: number
  /** How often the alias is asked for, in milliseconds. Default 2000. */
  pollIntervalMs?: number
  /** The tracking server; default RAILYARD_TRACKING_URI, MLFLOW_TRACKING_URI, http://127.0.0.1:5000. */
  trackingUri?: string
  client?: RailyardClient
  /** The model download cache; default RAILYARD_MODEL_CACHE, else ~/.cache/railyard/models. */
  cacheDir?: string
  /** Enables `POST /-/reload` for registry webhooks signed with this secret. */
  webhookSecret?: string
  batching?: BatchingOptions
  /** Longest a new version may take to load, and to predict its input example, in ms. */
  loadTimeoutMs?: number
  checkTimeoutMs?: number
  log?: Log
}

export interface ModelServer {
  /** `http://host:port`. */
  url: string
  /** `single`: this process serves; `primary`: workers serve; `worker`: one of them. */
  role: 'single' | 'primary' | 'worker'
  /** This process's version state (single and worker). */
  slot?: ModelSlot
  app?: FastifyInstance
  /** What is served at start (single and primary). */
  initial?: VersionTarget
  /** Stops following, finishes the requests under way, releases the model. */
  close(): Promise<void>
}

/**
 * Serves a model over HTTP (see buildServingApp) and, for a moving URI, follows it: a new
 * version is loaded beside the old, checked with its input example, and swapped in without
 * failing a request. Resolves once the first version is serving. Throws when the URI is malformed
 * or names nothing (unknown model, version or alias; unreachable registry), or when a fixed model
 * (a version, a run, a directory) fails to load; for a followed URI a first version that fails to
 * load is reported, and the server answers 503 until the alias moves to one that loads.
 */
export async function serveModel(opts: ServeOptions): Promise<ModelServer> {
  const workers = opts.workers ?? 1
  if (workers > 1 && cluster.isPrimary) return servePrimary(opts, workers)
  return serveHere(opts, workers > 1 && cluster.isWorker)
}

function defaults(opts: ServeOptions) {
  const log = opts.log ?? defaultLog(cluster.isWorker ? `worker ${process.pid}` : undefined)
  const client = opts.client ?? new RailyardClient({ trackingUri: opts.trackingUri, retries: { retries: 2, baseDelayMs: 200 }, timeoutMs: 30_000 })
  return { log, client, host: opts.host ?? '127.0.0.1', port: opts.port ?? 8080, loc: parseModelLocation(opts.model) }
}

/** This process serves: alone, or as a cluster worker told what to do by the primary. */
async function serveHere(opts: ServeOptions, asWorker: boolean): Promise<ModelServer> {
  const { log, client, host, port, loc } = defaults(opts)
  const slot = new ModelSlot({
    load: (t) => loadTarget(t, { client, cacheDir: opts.cacheDir }),
    batching: opts.batching,
    loadTimeoutMs: opts.loadTimeoutMs,
    checkTimeoutMs: opts.checkTimeoutMs,
    log,
  })
  let follower: AliasFollower | undefined
  const requestPoll = asWorker
    ? () => process.connected && process.send!(envelope({ t: 'poll-now' }))
    : () => void follower?.pollNow()
  const app = await buildServingApp({
    slot,
    log,
    reload: { secret: opts.webhookSecret, modelName: isMoving(loc) ? loc.name : undefined, onReload: requestPoll },
  })
  let closing: Promise<void> | undefined
  const close = () =>
    (closing ??= (async () => {
      await follower?.stop()
      await app.close()
      await slot.close()
    })())

  if (asWorker) {
    const url = await runWorker({ app, slot, host, port, log, onShutdown: () => void close().finally(() => process.exit(0)) })
    return { url, role: 'worker', slot, app, close }
  }

  const url = await app.listen({ host, port })
  try {
    if (isMoving(loc)) {
      follower = new AliasFollower({ client, uri: opts.model, deployer: slotDeployer(slot), intervalMs: opts.pollIntervalMs ?? 2000, log })
      await follower.start()
    } else {
      await slot.swapTo(await fixedTarget(client, opts.model, loc))
    }
  } catch (err) {
    await close()
    throw err
  }
  return { url, role: 'single', slot, app, initial: slot.current?.target, close }
}

/** The cluster primary: forks the workers, follows the alias and runs each swap on all of them. */
async function servePrimary(opts: ServeOptions, workers: number): Promise<ModelServer> {
  const { log, client, loc } = defaults(opts)
  const fleet = new WorkerFleet(workers, log)
  let follower: AliasFollower | undefined
  let closing: Promise<void> | undefined
  const close = () =>
    (closing ??= (async () => {
      await follower?.stop()
      await fleet.stop()
    })())
  fleet.onPollRequest = () => void follower?.pollNow()
  fleet.onGiveUp = (reason) => {
    log('error', `giving up: ${reason}`)
    process.exitCode = 1
    void close()
  }
  let initial: VersionTarget | undefined
  try {
    // Resolve before forking: a wrong URI fails fast, with no workers to clean up.
    const target = isMoving(loc) ? undefined : await fixedTarget(client, opts.model, loc)
    if (isMoving(loc)) await resolveVersion(client, opts.model)
    const url = await fleet.start()
    if (target) {
      await fleet.deploy(target)
      initial = target
    } else {
      follower = new AliasFollower({ client, uri: opts.model, deployer: fleet, intervalMs: opts.pollIntervalMs ?? 2000, log })
      await follower.start()
      initial = fleet.serving
    }
    return { url, role: 'primary', initial, close }
  } catch (err) {
    await close()
    throw err
  }
}

async function fixedTarget(client: RailyardClient, uri: string, loc: ModelLocation): Promise<VersionTarget> {
  if (loc.kind === 'version') return registeredTarget(client, uri, await resolveVersion(client, uri))
  return unregisteredTarget(client, uri, loc)
}

function defaultLog(who?: string): Log {
  return (level, message) => {
    process.stderr.write(`${new Date().toISOString()} railyard serve${who ? ` (${who})` : ''} ${level}: ${message}\n`)
  }
}
