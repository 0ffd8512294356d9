import { Command, Option } from 'commander'
import { RailyardClient, trackingUriFromEnv, type RetryOptions } from '@railyard/sdk'
import { UsageError } from './cli-errors.js'

/** Every command that talks to a server takes this option (also before the command name). */
export function trackingUriOption(): Option {
  return new Option(
    '--tracking-uri <uri>',
    'tracking server URL (default: $RAILYARD_TRACKING_URI, $MLFLOW_TRACKING_URI, http://127.0.0.1:5000)',
  )
}

/** The tracking URI for a command: its own option, the program's, then the environment. */
export function trackingUriOf(cmd: Command): string {
  const fromFlags = (cmd.optsWithGlobals() as { trackingUri?: string }).trackingUri
  return fromFlags ?? trackingUriFromEnv()
}

/**
 * A client for a command. Interactive commands retry little, so an unreachable server is reported
 * in about a second rather than after the SDK's long backoff.
 */
export function clientFor(trackingUri: string, retries: number | RetryOptions = { retries: 2, baseDelayMs: 150 }): RailyardClient {
  try {
    return new RailyardClient({ trackingUri, retries, timeoutMs: 30_000 })
  } catch (err) {
    // A tracking URI that is not an http(s) URL is a mistake on the command line.
    throw new UsageError((err as Error).message)
  }
}
