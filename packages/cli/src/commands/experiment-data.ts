import { Command } from 'commander'
import type { FreezeEvent } from '@railyard/sdk'
import { clientFor, trackingUriOf, trackingUriOption } from '../client.js'
import { CliError } from '../cli-errors.js'
import { findExperiment } from '../experiment-ref.js'
import { clip, formatTime, printJson, printTable } from '../output.js'
import { formatCount, shortVersion } from '../datasets/format.js'
import { positiveInt } from './options.js'

/** `railyard experiments refresh-data EXP [DATASET] --reason …`. */
export function refreshDataCommand(): Command {
  return new Command('refresh-data')
    .description('Move an experiment\'s frozen data to the newest files (a fresh snapshot) or to a given version; recorded with who and why')
    .argument('<experiment>', 'experiment name or id')
    .argument('[dataset]', 'the dataset to move (default: every dataset the experiment has frozen)')
    .requiredOption('--reason <text>', 'why, for the experiment\'s data history')
    .option('--version <version>', 'move to this version instead of a fresh snapshot')
    .option('--json', 'print the new freezes as JSON')
    .addOption(trackingUriOption())
    .addHelpText('after', `
Runs of an experiment use the dataset versions frozen at its first use, so results stay comparable
while new files arrive. Refreshing moves the experiment on; \`railyard experiments data EXP\` shows
the history.

Examples:
  railyard experiments refresh-data sentiment --reason "vendor delivered the April tweets"
  railyard experiments refresh-data sentiment tweets --version 9b7e44d0 --reason "roll back the bad import"`)
    .action(async (ref: string, dataset: string | undefined, opts, self: Command) => {
      const client = clientFor(trackingUriOf(self))
      const exp = await findExperiment(client, ref)
      const before = await client.datasets.freezes(exp.experiment_id, dataset)
      if (before.length === 0) {
        throw new CliError(
          dataset
            ? `experiment '${exp.name}' has not used dataset '${dataset}' yet, so there is nothing to refresh; its first run freezes the newest data`
            : `experiment '${exp.name}' has no frozen datasets yet; its first run freezes the newest data`,
        )
      }
      const freezes = await client.datasets.refresh(exp.experiment_id, { dataset, version: opts.version, reason: opts.reason })
      if (opts.json) return printJson(freezes)
      const old = new Map(before.map((f) => [f.dataset, f.version.id]))
      for (const f of freezes) {
        const from = old.get(f.dataset)
        const moved = from === f.version.id ? 'stays at' : `moved from ${from ? shortVersion(from) : '-'} to`
        console.log(`${f.dataset}: ${moved} ${f.version.short_id} (${formatCount(f.version.file_count)} files) for experiment '${exp.name}'`)
      }
    })
}

/** `railyard experiments data EXP`: the experiment's frozen versions, or with --history who moved them and why. */
export function experimentDataCommand(): Command {
  return new Command('data')
    .description('Show the dataset versions an experiment is frozen at; --history lists every freeze and refresh with who and why')
    .argument('<experiment>', 'experiment name or id')
    .option('--dataset <name>', 'only this dataset')
    .option('--history', 'the freeze and refresh history, newest first')
    .option('--max <n>', 'with --history: at most this many events', positiveInt, 100)
    .option('--json', 'print JSON')
    .addOption(trackingUriOption())
    .action(async (ref: string, opts, self: Command) => {
      const client = clientFor(trackingUriOf(self))
      const exp = await findExperiment(client, ref)
      if (!opts.history) {
        const freezes = await client.datasets.freezes(exp.experiment_id, opts.dataset)
        if (opts.json) return printJson(freezes)
        return printTable(
          ['DATASET', 'VERSION', 'FILES', 'FROZEN', 'BY', 'FIRST RUN'],
          freezes.map((f) => [f.dataset, f.version.short_id, formatCount(f.version.file_count), formatTime(f.frozen_at), f.frozen_by ?? '', f.run_id ?? '']),
          '(no frozen datasets)',
        )
      }
      const events: FreezeEvent[] = []
      let token: string | undefined
      do {
        const page = await client.datasets.freezeHistory(exp.experiment_id, { dataset: opts.dataset, pageToken: token })
        events.push(...page.items)
        token = page.nextPageToken
      } while (token && events.length < opts.max)
      const shown = events.slice(0, opts.max)
      if (opts.json) return printJson(shown)
      printTable(
        ['WHEN', 'DATASET', 'ACTION', 'FROM', 'TO', 'WHO', 'WHY'],
        shown.map((e) => [
          formatTime(e.timestamp),
          e.dataset,
          e.action,
          e.from_version ? shortVersion(e.from_version) : '-',
          shortVersion(e.to_version),
          e.who ?? '',
          clip(e.reason ?? (e.run_id ? `first use by run ${e.run_id}` : ''), 60),
        ]),
        '(no history)',
      )
    })
}
