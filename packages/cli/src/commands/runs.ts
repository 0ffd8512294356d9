import { Command, Option } from 'commander'
import { searchRuns, type RailyardClient, type Run } from '@railyard/sdk'
import { clientFor, trackingUriOf, trackingUriOption } from '../client.js'
import { findExperiment } from '../experiment-ref.js'
import { formatDuration, formatTime, printJson, printTable } from '../output.js'
import { positiveInt, viewTypeOf } from './options.js'
import { durationOf, printRun } from './run-details.js'
import { runLogsCommand } from './run-logs.js'

export function runsCommand(): Command {
  const cmd = new Command('runs')
    .description('List runs, show one, read its output log')
    .addHelpText('after', `
Examples:
  railyard runs ls --experiment churn-model
  railyard runs ls --filter "metrics.auc > 0.8 and params.model = 'xgb'" --order-by "metrics.auc DESC" --max 5
  railyard runs show 3f2c9a…
  railyard runs logs 3f2c9a… --follow
  railyard runs ls --json | jq -r '.[].info.run_id'`)

  cmd
    .command('ls')
    .alias('list')
    .description('List runs, newest first unless --order-by says otherwise')
    .option('-e, --experiment <name|id>', 'only runs of this experiment; repeat for more (default: every active experiment)', collect, [])
    .option('--filter <expr>', "MLflow search filter, e.g. \"metrics.loss < 0.1 and tags.stage = 'prod'\"")
    .option('--order-by <clause>', 'e.g. "metrics.accuracy DESC" or "attributes.start_time"; repeat for more', collect, [])
    .option('--max <n>', 'show at most this many', positiveInt, 100)
    .addOption(new Option('--all', 'include deleted runs').conflicts('deleted'))
    .option('--deleted', 'only deleted runs')
    .option('--json', 'print a JSON array of runs (MLflow wire format)')
    .addOption(trackingUriOption())
    .action(async (opts, self: Command) => {
      const client = clientFor(trackingUriOf(self))
      const refs: string[] = opts.experiment
      const experimentIds = refs.length
        ? await Promise.all(refs.map(async (r) => (await findExperiment(client, r)).experiment_id))
        : undefined
      const runs = await searchRuns({
        client,
        experimentIds,
        filter: opts.filter,
        orderBy: opts.orderBy.length ? opts.orderBy : undefined,
        viewType: viewTypeOf(opts),
        // One more than shown tells whether to say the list was cut.
        maxResults: opts.max + 1,
      }).all()
      const shown = runs.slice(0, opts.max)
      if (opts.json) return printJson(shown)
      const showExperiment = !experimentIds || experimentIds.length > 1
      printRunsTable(shown, showExperiment ? await experimentNames(client, shown) : undefined)
      if (runs.length > opts.max) console.error(`(showing the first ${opts.max} runs; use --max for more)`)
    })

  cmd
    .command('show')
    .description("Show a run: status, times, params, latest metrics, tags and inputs")
    .argument('<run-id>', 'the run id')
    .option('--json', 'print the run (MLflow wire format)')
    .addOption(trackingUriOption())
    .action(async (runId: string, opts, self: Command) => {
      const client = clientFor(trackingUriOf(self))
      const run = await client.runs.get(runId)
      if (opts.json) return printJson(run)
      const experiment = await client.experiments.get(run.info.experiment_id).catch(() => undefined)
      printRun(run, experiment)
    })

  cmd.addCommand(runLogsCommand())
  return cmd
}

/** Experiment id → name for the runs' experiments (one lookup each; an id that fails stays an id). */
async function experimentNames(client: RailyardClient, runs: Run[]): Promise<Map<string, string>> {
  const ids = [...new Set(runs.map((r) => r.info.experiment_id))]
  const names = await Promise.all(ids.map((id) => client.experiments.get(id).then((e) => e.name, () => id)))
  return new Map(ids.map((id, i) => [id, names[i]]))
}

function printRunsTable(runs: Run[], experimentNames: Map<string, string> | undefined): void {
  printTable(
    ['RUN ID', 'NAME', 'STATUS', 'STARTED', 'DURATION', ...(experimentNames ? ['EXPERIMENT'] : [])],
    runs.map((r) => [
      r.info.run_id,
      r.info.run_name ?? '',
      r.info.status,
      formatTime(r.info.start_time),
      formatDuration(durationOf(r)),
      ...(experimentNames ? [experimentNames.get(r.info.experiment_id) ?? r.info.experiment_id] : []),
    ]),
    '(no runs)',
  )
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}
