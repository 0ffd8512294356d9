import { Command, InvalidArgumentError } from 'commander'

function port(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535)')
  return n
}

export function serverCommand(): Command {
  return new Command('server')
    .description('Start the tracking server (MLflow REST API) on the embedded SQLite store by default')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('-p, --port <port>', 'port to listen on', port, 5000)
    .option('--backend-store-uri <uri>', 'postgresql://… or sqlite:///path (default: $RAILYARD_HOME/railyard.db, RAILYARD_HOME defaults to ./.railyard)')
    .option('--artifacts-destination <uri>', 'where proxied artifacts are stored (default: $RAILYARD_HOME/artifacts)')
    .option('--auth', 'require an API token on every API request (also RAILYARD_AUTH=1); see `railyard tokens --help`')
    .option('--quiet', 'accepted for compatibility: requests are not logged in any case')
    .action(async (opts) => {
      // Loaded here so the other commands start without the server's database drivers. The server
      // is TypeScript source: when the CLI runs from its bundle, tsx is registered for it first.
      if (!(globalThis as { __railyardTsx?: boolean }).__railyardTsx) (await import('tsx/esm/api')).register()
      const { serve } = await import('@railyard/server')
      const { url, notices } = await serve({
        host: opts.host,
        port: opts.port,
        backendStoreUri: opts.backendStoreUri,
        artifactsDestination: opts.artifactsDestination,
        auth: opts.auth,
        logger: false,
      })
      console.log(`Railyard server listening at ${url}`)
      console.log(`Point MLflow clients at it: export MLFLOW_TRACKING_URI=${url}`)
      for (const notice of notices) console.warn(notice)
    })
}
