import os from 'node:os'
import { Command, InvalidArgumentError, Option } from 'commander'
import { trackingUriOf, trackingUriOption } from '../client.js'
import { CliError, UnreachableError, connectionReason } from '../cli-errors.js'
import { positiveInt } from './options.js'

function port(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535)')
  return n
}

/** `500ms`, `2s`, `1m`, or a bare number of seconds → milliseconds. */
export function duration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim())
  if (!m) throw new InvalidArgumentError('must be a duration such as 500ms, 2s or 1m')
  const n = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000)
  return Math.round(n)
}

// Checking the alias more often only loads the tracking server: 0s polled it in a tight loop.
const MIN_POLL_MS = 100

function pollInterval(value: string): number {
  const ms = duration(value)
  if (ms < MIN_POLL_MS) throw new InvalidArgumentError(`must be at least ${MIN_POLL_MS}ms`)
  return ms
}

function workers(value: string): number {
  if (value === 'auto') return os.availableParallelism()
  return positiveInt(value)
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('Serve a model over HTTP (MLflow scoring protocol) and follow its alias with hot swaps')
    .requiredOption('-m, --model <uri>', 'models:/NAME@ALIAS (followed), models:/NAME/VERSION, runs:/RUN_ID/path or a model directory')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('-p, --port <port>', 'port to listen on (0: any free port)', port, 8080)
    .option('-w, --workers <n>', "processes serving the port (node:cluster); 'auto' for one per core", workers, 1)
    .addOption(new Option('--poll-interval <duration>', 'how often the alias is checked (500ms, 2s, 1m)').argParser(pollInterval).default(2000, '2s'))
    .addOption(trackingUriOption())
    .addOption(new Option('--webhook-secret <secret>', 'accept registry webhook pushes at POST /-/reload signed with this secret').env('RAILYARD_WEBHOOK_SECRET'))
    .option('--max-batch <n>', 'most inputs in one predict call (micro-batching of concurrent requests)', positiveInt, 64)
    .option('--batch-wait <duration>', 'how long a request may wait for others to batch with (0ms: same event-loop turn)', duration, 0)
    .option('--cache-dir <dir>', 'model download cache (default: $RAILYARD_MODEL_CACHE, ~/.cache/railyard/models)')
    .addHelpText('after', `
Endpoints: POST /invocations ({"dataframe_split"|"dataframe_records"|"instances"|"inputs": …} → {"predictions": […]}),
POST /predict (a JSON list → a JSON list), GET /ping, GET /health, GET /version.
Responses carry X-Railyard-Model-Name and X-Railyard-Model-Version.

Examples:
  railyard serve --model models:/tweets@production --port 8080 --workers auto
  curl -s localhost:8080/invocations -H 'content-type: application/json' -d '{"inputs": ["what a day!"]}'`)
    .action(async (opts, self: Command) => {
      const trackingUri = trackingUriOf(self)
      // Loaded here so other commands start without Fastify; it is part of the CLI's bundle.
      const { serveModel } = await import('@railyard/serving')
      let server: Awaited<ReturnType<typeof serveModel>>
      try {
        server = await serveModel({
          model: opts.model,
          host: opts.host,
          port: opts.port,
          workers: opts.workers,
          pollIntervalMs: opts.pollInterval,
          trackingUri,
          webhookSecret: opts.webhookSecret,
          batching: { maxBatchSize: opts.maxBatch, maxWaitMs: opts.batchWait },
          cacheDir: opts.cacheDir,
        })
      } catch (err) {
        throw cliErrorOf(err, trackingUri)
      }
      let stopping = false
      const stop = () => {
        if (stopping) return
        stopping = true
        void server.close().finally(() => process.exit(process.exitCode ?? 0))
      }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
      if (server.role === 'worker') return
      const t = server.initial
      const what = t ? `${t.name} version ${t.version}` : 'no version loaded yet, see /health'
      const procs = opts.workers > 1 ? ` with ${opts.workers} workers` : ''
      console.log(`Serving ${opts.model} (${what}) at ${server.url}${procs}`)
    })
}

/**
 * The serving package is loaded apart from the CLI bundle, so its error classes are other copies:
 * they are recognised by name and code rather than by class.
 */
function cliErrorOf(err: unknown, trackingUri: string): unknown {
  const e = err as { name?: string; code?: unknown; status?: unknown; message?: string }
  if (e?.name === 'ConnectionError') return new UnreachableError(trackingUri, connectionReason(err))
  if (typeof e?.code === 'string' && typeof e.status === 'number') return new CliError(`${e.message} (${e.code})`)
  return err
}
