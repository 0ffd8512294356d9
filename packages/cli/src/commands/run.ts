import { Command, InvalidArgumentError } from 'commander'
import { getOrCreateExperiment, runLogsOf, type RailyardClient, type Run, type RunLogsClient, type RunStatus, type Tag } from '@railyard/sdk'
import { clientFor, trackingUriOf, trackingUriOption } from '../client.js'
import { UsageError } from '../cli-errors.js'
import { formatDuration, keepRunningOnClosedOutput } from '../output.js'
import { LogShipper } from '../run/log-shipper.js'
import { codeFolderOf, currentUser, gitInfo, runTags } from '../run/run-tags.js'
import { supervise, type ChildOutcome } from '../run/supervise.js'
import { checkDatasetsExist, datasetNames, exportDatasetsForRun } from '../run/dataset-env.js'

/** How long `railyard run` waits at the end for the last output lines to reach the server. */
const FINAL_FLUSH_MS = 15_000

interface RunOptions {
  experiment?: string
  experimentId?: string
  name?: string
  runId?: string
  tag: Tag[]
  quiet?: boolean
  dataset: string[]
}

export function runCommand(): Command {
  return new Command('run')
    .description(
      'Run any command as a tracked run: its output becomes the run log, its exit code the run status',
    )
    .usage('[options] -- <command> [args...]')
    .argument('[command...]', 'the command to run, with its arguments')
    .option('-e, --experiment <name>', 'experiment to log into, created if missing (default: $MLFLOW_EXPERIMENT_NAME, $MLFLOW_EXPERIMENT_ID, else Default)')
    .option('--experiment-id <id>', 'experiment to log into, by id')
    .option('-n, --name <run-name>', 'name of the run (default: the server picks one)')
    .option('--run-id <id>', 'log into this existing run instead of creating one')
    .option('--tag <key=value>', 'a tag for the run; repeat for more', collectTag, [])
    .option('-q, --quiet', 'print nothing of our own, only the command’s output')
    .option('-d, --dataset <names>', 'datasets the command uses, comma-separated or repeated: frozen for the experiment, logged as inputs, file lists exported', (v: string, p: string[]) => [...p, v], [])
    .addOption(trackingUriOption())
    .passThroughOptions()
    .addHelpText('after', `
The command gets MLFLOW_TRACKING_URI, MLFLOW_RUN_ID, MLFLOW_EXPERIMENT_ID (and RAILYARD_TRACKING_URI,
RAILYARD_RUN_ID), so any MLflow client in any language logs into this run. Its stdout and stderr
are shown as usual and sent to the server line by line (read them with \`railyard runs logs\`).
The run records the command line, the git commit and whether the tree had uncommitted changes.
With --dataset NAME the command also gets RAILYARD_DATASET_<NAME>_VERSION (the version frozen for the
experiment) and RAILYARD_DATASET_<NAME>_FILES (a file listing its files, one relative path per line).
Exit 0 → FINISHED, any other exit → FAILED, Ctrl-C or SIGTERM (passed on to the command) → KILLED.
railyard run exits with the command's exit code (128 + N when signal N ended it).

Examples:
  railyard run --experiment churn -- python train.py --lr 0.01
  railyard run -e churn -n baseline -- node train.js
  railyard run -e nightly -- "python prepare.py && python train.py"   (one quoted argument runs in a shell)
  railyard run -e sentiment --dataset tweets -- python train.py   (reads $RAILYARD_DATASET_TWEETS_FILES)`)
    .action(async (command: string[], opts: RunOptions, self: Command) => {
      if (command.length === 0) throw new UsageError('no command given: railyard run [options] -- <command> [args...]')
      if (opts.experiment && opts.experimentId) throw new UsageError('give --experiment or --experiment-id, not both')
      if (opts.runId && (opts.experiment || opts.experimentId || opts.name)) {
        throw new UsageError('--run-id joins an existing run; it cannot be combined with --experiment, --experiment-id or --name')
      }
      datasetNames(opts.dataset)
      process.exitCode = await trackedRun(trackingUriOf(self), command, opts)
    })
}

async function trackedRun(trackingUri: string, command: string[], opts: RunOptions): Promise<number> {
  const setup = clientFor(trackingUri)
  const datasets = datasetNames(opts.dataset)
  // Before the run (and its experiment) exist, so a wrong name leaves nothing behind.
  await checkDatasetsExist(setup, datasets)
  const git = await gitInfo(codeFolderOf(command))
  const tags = [...runTags(command, git), ...opts.tag]
  const run = await startOrJoinRun(setup, opts, tags)
  const runId = run.info.run_id
  const experimentId = run.info.experiment_id
  const experiment = await setup.experiments.get(experimentId)
  const say = (message: string) => opts.quiet || process.stderr.write(`railyard: ${message}\n`)
  say(`run ${runId} (${run.info.run_name}) in experiment '${experiment.name}' [${experimentId}] at ${trackingUri}`)
  const data = await exportDatasetsForRun(setup, { runId, experimentId }, datasets)
  for (const line of data.summary) say(`dataset ${line}`)

  // The shipper's own client retries a little per batch; the shipper keeps retrying after that.
  const shipperLogs = runLogsOf(clientFor(trackingUri, { retries: 3, baseDelayMs: 200 }))
  const shipper = new LogShipper({
    send: (lines, firstSeq) => shipperLogs.append(runId, lines, { firstSeq }),
    firstSeq: await firstLogSeq(shipperLogs, runId, !!opts.runId),
    warn: (message) => process.stderr.write(`railyard: ${message}\n`),
  })

  keepRunningOnClosedOutput()
  const started = Date.now()
  const outcome = await supervise(command, {
    env: {
      ...process.env,
      MLFLOW_TRACKING_URI: trackingUri,
      RAILYARD_TRACKING_URI: trackingUri,
      MLFLOW_RUN_ID: runId,
      RAILYARD_RUN_ID: runId,
      MLFLOW_EXPERIMENT_ID: experimentId,
      RAILYARD_EXPERIMENT_ID: experimentId,
      MLFLOW_EXPERIMENT_NAME: experiment.name,
      ...data.env,
    },
    onLine: (stream, line) => shipper.push(stream, line),
  })
  await data.cleanup()
  if (outcome.spawnError) {
    process.stderr.write(`railyard: ${outcome.spawnError}\n`)
    shipper.push('stderr', `railyard: ${outcome.spawnError}`)
  }

  // The last lines go before the status: a reader that sees the run end has seen all its output.
  const unsent = await shipper.flush(FINAL_FLUSH_MS)
  if (unsent > 0) say(`${unsent} output lines could not be sent to the server`)
  const status = statusOf(outcome)
  const how = outcome.signal ? `signal ${outcome.signal}` : `exit code ${outcome.exitCode}`
  try {
    await clientFor(trackingUri, { retries: 5 }).runs.update({ run_id: runId, status, end_time: Date.now() })
    say(`run ${runId} ${status} (${how}) after ${formatDuration(Date.now() - started)}`)
  } catch (err) {
    // Never fatal: the command's own exit code is what the caller needs.
    process.stderr.write(`railyard: could not set run ${runId} to ${status} (${how}): ${(err as Error).message}\n`)
  }
  return outcome.exitCode
}

async function startOrJoinRun(client: RailyardClient, opts: RunOptions, tags: Tag[]): Promise<Run> {
  if (opts.runId) {
    const run = await client.runs.get(opts.runId)
    await client.runs.logBatch({ run_id: opts.runId, tags })
    if (run.info.status !== 'RUNNING') await client.runs.update({ run_id: opts.runId, status: 'RUNNING' })
    return client.runs.get(opts.runId)
  }
  const user = currentUser()
  const experimentId = await experimentFor(client, opts)
  return client.runs.create({ experiment_id: experimentId, run_name: opts.name, start_time: Date.now(), user_id: user, tags })
}

/** --experiment-id, else --experiment (created if missing), else MLflow's variables, else Default. */
async function experimentFor(client: RailyardClient, opts: RunOptions): Promise<string> {
  if (opts.experimentId) return opts.experimentId
  const name = opts.experiment || process.env.MLFLOW_EXPERIMENT_NAME
  if (name) return getOrCreateExperiment(client, name)
  return process.env.MLFLOW_EXPERIMENT_ID || '0'
}

/** Signals sent to `railyard run` mean someone stopped the run: KILLED, whatever the command then did. */
function statusOf(outcome: ChildOutcome): RunStatus {
  if (outcome.interruptedBy) return 'KILLED'
  return outcome.exitCode === 0 && !outcome.spawnError ? 'FINISHED' : 'FAILED'
}

function collectTag(value: string, previous: Tag[]): Tag[] {
  const eq = value.indexOf('=')
  if (eq <= 0) throw new InvalidArgumentError('expected KEY=VALUE')
  return [...previous, { key: value.slice(0, eq), value: value.slice(eq + 1) }]
}

/**
 * The seq the command's first output line gets, so every batch names it and a retried batch is
 * never stored twice: 1 for a run created here, after the log's last line for a joined run
 * (--run-id); undefined (batches go without seq checks) when the server cannot say.
 */
async function firstLogSeq(logs: RunLogsClient, runId: string, joined: boolean): Promise<number | undefined> {
  if (!joined) return 1
  const last = await logs.lastSeq(runId).catch(() => undefined)
  return last === undefined ? undefined : last + 1
}
