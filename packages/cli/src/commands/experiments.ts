import { Command, InvalidArgumentError, Option } from 'commander'
import { ApiError, type ViewType } from '@railyard/sdk'
import { clientFor, trackingUriOf, trackingUriOption } from '../client.js'
import { findExperiment } from '../experiment-ref.js'
import { CliError } from '../cli-errors.js'
import { formatTime, printJson, printTable } from '../output.js'
import { positiveInt, viewTypeOf } from './options.js'
import { takeAtMost } from './take-at-most.js'
import { experimentDataCommand, refreshDataCommand } from './experiment-data.js'

export function experimentsCommand(): Command {
  const cmd = new Command('experiments')
    .alias('exp')
    .description('List, create, delete and restore experiments')
    .addHelpText('after', `
Examples:
  railyard experiments ls
  railyard experiments create churn-model --tag team=growth
  railyard experiments rm churn-model
  railyard experiments restore churn-model
  railyard experiments ls --json | jq '.[].name'`)

  cmd
    .command('ls')
    .alias('list')
    .description('List experiments, newest first')
    .addOption(new Option('--all', 'include deleted experiments').conflicts('deleted'))
    .option('--deleted', 'only deleted experiments')
    .option('--max <n>', 'show at most this many', positiveInt, 1000)
    .option('--json', 'print a JSON array of experiments (MLflow wire format)')
    .addOption(trackingUriOption())
    .action(async (opts, self: Command) => {
      const client = clientFor(trackingUriOf(self))
      const viewType: ViewType = viewTypeOf(opts)
      const experiments = await takeAtMost(client.experiments.searchAll({ view_type: viewType, max_results: Math.min(opts.max, 1000) }), opts.max)
      if (opts.json) return printJson(experiments)
      const showStage = viewType !== 'ACTIVE_ONLY'
      printTable(
        ['ID', 'NAME', ...(showStage ? ['STAGE'] : []), 'CREATED', 'ARTIFACT LOCATION'],
        experiments.map((e) => [
          e.experiment_id,
          e.name,
          ...(showStage ? [e.lifecycle_stage] : []),
          formatTime(e.creation_time),
          e.artifact_location,
        ]),
        '(no experiments)',
      )
    })

  cmd
    .command('create')
    .description('Create an experiment and print its id')
    .argument('<name>', 'experiment name (unique, also among deleted experiments)')
    .option('--artifact-location <uri>', 'where its runs store artifacts (default: the server decides)')
    .option('--tag <key=value>', 'a tag; repeat for more', collectTag, [])
    .option('--json', 'print {"experiment_id": …}')
    .addOption(trackingUriOption())
    .action(async (name: string, opts, self: Command) => {
      const client = clientFor(trackingUriOf(self))
      const id = await client.experiments
        .create({ name, artifact_location: opts.artifactLocation, tags: opts.tag.length ? opts.tag : undefined })
        .catch(async (err) => {
          // MLflow keeps a deleted experiment's name taken; say so, and how to get it back.
          const taken = err instanceof ApiError && err.code === 'RESOURCE_ALREADY_EXISTS' ? await client.experiments.findByName(name).catch(() => undefined) : undefined
          if (taken?.lifecycle_stage === 'deleted') {
            throw new CliError(
              `experiment '${name}' exists but is deleted (id ${taken.experiment_id}); restore it with \`railyard experiments restore ${name}\`, or choose another name`,
            )
          }
          throw err
        })
      if (opts.json) return printJson({ experiment_id: id })
      console.log(id)
    })

  cmd
    .command('rm')
    .alias('delete')
    .description('Delete an experiment and its runs (they are marked deleted; `experiments restore` brings them back)')
    .argument('<experiment>', 'experiment name or id')
    .option('--json', 'print the deleted experiment')
    .addOption(trackingUriOption())
    .action(async (ref: string, opts, self: Command) => {
      const client = clientFor(trackingUriOf(self))
      const exp = await findExperiment(client, ref)
      await client.experiments.delete(exp.experiment_id)
      if (opts.json) return printJson({ ...exp, lifecycle_stage: 'deleted' })
      console.log(`Deleted experiment ${exp.experiment_id} (${exp.name})`)
    })

  cmd
    .command('restore')
    .description('Restore a deleted experiment and its runs (as MLflow does, every run of it becomes active)')
    .argument('<experiment>', 'experiment name or id')
    .option('--json', 'print the restored experiment')
    .addOption(trackingUriOption())
    .action(async (ref: string, opts, self: Command) => {
      const client = clientFor(trackingUriOf(self))
      const exp = await findExperiment(client, ref)
      if (exp.lifecycle_stage !== 'deleted') throw new CliError(`experiment ${exp.experiment_id} (${exp.name}) is not deleted: nothing to restore`)
      await client.experiments.restore(exp.experiment_id)
      if (opts.json) return printJson({ ...exp, lifecycle_stage: 'active' })
      console.log(`Restored experiment ${exp.experiment_id} (${exp.name})`)
    })

  cmd.addCommand(refreshDataCommand()).addCommand(experimentDataCommand())
  return cmd
}

function collectTag(value: string, previous: Array<{ key: string; value: string }>) {
  const eq = value.indexOf('=')
  if (eq <= 0) throw new InvalidArgumentError('expected KEY=VALUE')
  return [...previous, { key: value.slice(0, eq), value: value.slice(eq + 1) }]
}
