import type { FastifyInstance } from 'fastify'
import type { Log } from './deployer.js'
import { envelope, opened, type ToPrimary, type ToWorker } from './cluster-messages.js'
import { messageOf, type ModelSlot } from './model-slot.js'
import { SwapFailure } from './swap-failure.js'

/**
 * A cluster worker: serves `app` over `slot` and does what the primary says (prepare, commit or
 * abort a version; show its follow status). It waits for the primary's `init`, loads the version
 * named there (a worker replacing a dead one), and only then listens. Resolves with the URL.
 */
export async function runWorker(opts: {
  app: FastifyInstance
  slot: ModelSlot
  host: string
  port: number
  log: Log
  /** Called on the primary's `shutdown`, or when the primary is gone. */
  onShutdown: () => void
}): Promise<string> {
  const { app, slot, log } = opts
  const send = (msg: ToPrimary) => {
    if (process.connected) process.send!(envelope(msg))
  }
  const init = new Promise<Extract<ToWorker, { t: 'init' }>>((resolve) => {
    process.on('message', (raw: unknown) => {
      const msg = opened<ToWorker>(raw)
      if (!msg) return
      if (msg.t === 'init') resolve(msg)
      else handle(msg)
    })
  })
  const handle = (msg: ToWorker) => {
    switch (msg.t) {
      case 'prepare':
        slot.prepare(msg.target).then(
          () => send({ t: 'done', id: msg.id, ok: true }),
          (err: unknown) =>
            send({ t: 'done', id: msg.id, ok: false, message: messageOf(err), transient: err instanceof SwapFailure && err.transient }),
        )
        return
      case 'commit':
        slot.commit(msg.target)
        send({ t: 'done', id: msg.id, ok: true })
        return
      case 'abort':
        void slot.abort(msg.target).finally(() => send({ t: 'done', id: msg.id, ok: true }))
        return
      case 'status':
        slot.status = msg.status
        return
      case 'shutdown':
        opts.onShutdown()
    }
  }
  // The primary is gone (killed): nobody will tell us to stop.
  process.on('disconnect', () => opts.onShutdown())

  send({ t: 'hello' })
  const { current } = await init
  if (current) {
    try {
      await slot.swapTo(current)
    } catch (err) {
      log('error', `could not load ${current.name} version ${current.version} that the other workers serve: ${messageOf(err)}`)
    }
  }
  const url = await app.listen({ host: opts.host, port: opts.port })
  send({ t: 'listening', url })
  return url
}
