import { NotFoundError, type Experiment, type RailyardClient } from '@railyard/sdk'
import { CliError } from './cli-errors.js'

/**
 * Finds an experiment by name or id. All-digit references are tried as ids first (ids are digits,
 * names rarely are), then as names; anything else is a name. Deleted experiments are found too.
 */
export async function findExperiment(client: RailyardClient, ref: string): Promise<Experiment> {
  if (/^\d+$/.test(ref)) {
    try {
      return await client.experiments.get(ref)
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err
    }
  }
  const byName = await client.experiments.findByName(ref)
  if (byName) return byName
  throw new CliError(`no experiment named or numbered '${ref}' (see \`railyard experiments ls\`)`)
}
