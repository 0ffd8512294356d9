import { pipeline } from 'node:stream/promises'
import { Command } from 'commander'
import type { DatasetDiff, DatasetFile, RailyardClient } from '@railyard/sdk'
import { clientFor, trackingUriOf, trackingUriOption } from '../client.js'
import { CliError, UsageError } from '../cli-errors.js'
import { findExperiment } from '../experiment-ref.js'
import { formatTime, printJson } from '../output.js'
import { formatBytes, formatCount } from '../datasets/format.js'
import { LineWriter, writeJsonArray } from '../datasets/line-writer.js'

/** `railyard datasets diff NAME V1 V2`. */
export function diffCommand(): Command {
  return new Command('diff')
    .description('Files added, removed and modified between two versions, with sizes')
    .argument('<name>', 'dataset name')
    .argument('<from>', 'the older version (id, prefix of ≥ 8 hex digits, or latest)')
    .argument('<to>', 'the newer version')
    .option('--json', 'print the whole diff as JSON (added, removed, modified, summary)')
    .addOption(trackingUriOption())
    .addHelpText('after', `
Lines start with + (added), - (removed) or ~ (modified: same path, other content), in path order.

Examples:
  railyard datasets diff tweets 3f2a9c01 latest
  railyard datasets diff tweets 3f2a9c01 9b7e44d0 --json | jq '.added[].path'`)
    .action(async (name: string, from: string, to: string, opts, self: Command) => {
      const client = clientFor(trackingUriOf(self))
      if (opts.json) return printJson(await client.datasets.diffAll(name, from, to))
      const out = new LineWriter()
      let page: DatasetDiff | undefined
      let summary: DatasetDiff['summary'] | undefined
      do {
        page = await client.datasets.diff(name, from, to, { pageToken: page?.next_page_token })
        summary ??= page.summary
        const lines = [
          ...(page.added ?? []).map((e) => [e.path, `+ ${e.path}  (${formatBytes(e.size)})`]),
          ...(page.removed ?? []).map((e) => [e.path, `- ${e.path}  (${formatBytes(e.size)})`]),
          ...(page.modified ?? []).map((e) => [e.path, `~ ${e.path}  (${formatBytes(e.old_size ?? 0)} → ${formatBytes(e.size)})`]),
        ].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        for (const [, line] of lines) await out.line(line)
      } while (page.next_page_token)
      const s = summary!
      // The byte sums count modified files too: their new bytes came in, their old ones went out.
      await out.line(
        `${formatCount(s.added)} added, ${formatCount(s.removed)} removed, ${formatCount(s.modified)} modified, ` +
          `${formatCount(s.unchanged)} unchanged (+${formatBytes(s.bytes_added)} in new or changed files, -${formatBytes(s.bytes_removed)} in removed or replaced ones)`,
      )
      await out.flush()
    })
}

/** `railyard datasets files NAME [VERSION]`. */
export function filesCommand(): Command {
  return new Command('files')
    .description('List the files of a version (default: the latest), one path per line')
    .argument('<name>', 'dataset name')
    .argument('[version]', 'version id, a prefix of ≥ 8 hex digits, or latest', 'latest')
    .option('--prefix <path>', 'only paths starting with this')
    .option('-l, --long', 'also size, hash and change marker')
    .option('--json', 'print a JSON array of files {path, size, oid, marker}')
    .addOption(trackingUriOption())
    .addHelpText('after', `
The list is streamed from the version's manifest, so versions of millions of files list in flat memory.

Examples:
  railyard datasets files tweets
  railyard datasets files tweets 3f2a9c01 --prefix 2024-03/ --long
  railyard datasets files tweets latest --json | jq 'map(.size) | add'`)
    .action(async (name: string, version: string, opts, self: Command) => {
      const client = clientFor(trackingUriOf(self))
      const files = opts.prefix === undefined ? client.datasets.files(name, version) : filesWithPrefix(client, name, version, opts.prefix)
      await printFiles(files, opts)
    })
}

/** `railyard datasets use NAME --experiment EXP [--run RUN]`. */
export function useCommand(): Command {
  return new Command('use')
    .description('Print the files an experiment is frozen at for a dataset (freezing a version on first use), one path per line')
    .argument('<name>', 'dataset name')
    .option('-e, --experiment <name|id>', 'the experiment (default: the run\'s, with --run)')
    .option('--run <run-id>', 'also record the version as this run\'s input')
    .option('--version <version>', 'on first use, freeze this version instead of taking a fresh snapshot')
    .option('--reuse-latest', 'on first use, freeze the newest existing version instead of taking a fresh snapshot')
    .option('--pin', 'pin the snapshot a first use takes')
    .option('--context <context>', 'what the run uses it for (mlflow.data.context), e.g. training or evaluation')
    .option('-l, --long', 'also size, hash and change marker')
    .option('--json', 'print {dataset, experiment_id, created, version, files: [...]}')
    .option('-q, --quiet', 'do not say on stderr which version is frozen')
    .addOption(trackingUriOption())
    .addHelpText('after', `
For scripts in any language: the first use in an experiment freezes a version (a fresh snapshot unless
--version or --reuse-latest says otherwise); every later use in that experiment gets exactly those
files, until \`railyard experiments refresh-data\` moves the freeze. Paths are relative to the
dataset's folder; read the bytes with \`railyard datasets materialize\`.

Examples:
  railyard datasets use tweets --experiment sentiment > files.txt
  railyard datasets use tweets --run $MLFLOW_RUN_ID --json | jq -r .version.id`)
    .action(async (name: string, opts, self: Command) => {
      const client = clientFor(trackingUriOf(self))
      const experimentId = await experimentOf(client, opts.experiment, opts.run)
      const { freeze, created } = await client.datasets.resolve(experimentId, name, {
        runId: opts.run,
        version: opts.version,
        reuseLatest: opts.reuseLatest,
        pin: opts.pin,
        context: opts.context,
      })
      const v = freeze.version
      if (!opts.quiet) {
        const since = created ? 'frozen now' : `frozen since ${formatTime(freeze.frozen_at)}${freeze.frozen_by ? ` by ${freeze.frozen_by}` : ''}`
        // The name as given (with its id), as refresh-data and the listings name experiments.
        const experiment = opts.experiment && opts.experiment !== experimentId ? `'${opts.experiment}', id ${experimentId}` : experimentId
        process.stderr.write(`railyard: ${name} is at version ${v.short_id} for experiment ${experiment} (${formatCount(v.file_count)} files, ${since})\n`)
      }
      const files = client.datasets.files(name, v.id)
      if (!opts.json) return printFiles(files, opts)
      const out = new LineWriter()
      await out.line(`{"dataset":${JSON.stringify(name)},"experiment_id":${JSON.stringify(experimentId)},"created":${created},"version":${JSON.stringify(v)},"files":`)
      await writeJsonArray(out, files)
      await out.line('}')
      await out.flush()
    })
}

/** `railyard datasets cat NAME VERSION PATH`: one file's bytes on stdout, checked against the version. */
export function catCommand(): Command {
  return new Command('cat')
    .description('Write one file of a version to stdout, its bytes checked against the version (exit 1 when they differ)')
    .argument('<name>', 'dataset name')
    .argument('<version>', 'version id, a prefix of ≥ 8 hex digits, or latest')
    .argument('<path>', 'the file\'s path in the version (as `datasets files` lists it)')
    .addOption(trackingUriOption())
    .addHelpText('after', `
Pinned versions are read from Railyard's object store, others from the datastore. A file that
changed since an unpinned version was taken is refused before any byte when its size or change
marker moved; otherwise the hash is checked as the bytes stream, and a mismatch ends the output
early with exit code 1, so check the exit code (or use \`set -o pipefail\`) before trusting it.

Examples:
  railyard datasets cat tweets latest 2024-03/day1.jsonl | head
  railyard datasets cat tweets 3f2a9c01 labels.csv > labels.csv`)
    .action(async (name: string, version: string, path: string, _opts, self: Command) => {
      const file = await clientFor(trackingUriOf(self)).datasets.openFile(name, version, path)
      try {
        await pipeline(file, process.stdout)
      } catch (err) {
        // The reader went away (`| head`): not a failure of ours.
        if ((err as NodeJS.ErrnoException).code === 'EPIPE') return
        throw err
      }
    })
}

/** `railyard datasets verify NAME [VERSION]`. */
export function verifyCommand(): Command {
  return new Command('verify')
    .description('Check that a version\'s files are still as recorded (exit 1 naming those that changed)')
    .argument('<name>', 'dataset name')
    .argument('[version]', 'version id, a prefix of ≥ 8 hex digits, or latest', 'latest')
    .option('--deep', 're-hash every file instead of comparing sizes and change markers')
    .option('--json', 'print the result as JSON')
    .addOption(trackingUriOption())
    .action(async (name: string, version: string, opts, self: Command) => {
      const result = await clientFor(trackingUriOf(self)).datasets.verify(name, version, { deep: opts.deep })
      if (opts.json) printJson(result)
      else if (result.ok) console.log(`ok: ${formatCount(result.checked)} files as recorded`)
      else for (const c of result.changed ?? []) console.log(`${c.problem.padEnd(8)} ${c.path}`)
      // Bytes changed under an unchanged size and time: the server's stat cache still holds the old hash.
      if (opts.deep && !opts.json && result.changed?.some((c) => c.problem === 'content')) {
        console.error(`railyard: a file whose content changed but whose size and time did not keeps its old hash; take the next version with \`railyard datasets snapshot ${name} --rehash\``)
      }
      if (!result.ok) throw new CliError(`${formatCount(result.changed_count)} of ${formatCount(result.checked)} files of ${name} ${version} changed since the version was taken`)
    })
}

/** The experiment id from --experiment and/or --run (which must agree). */
async function experimentOf(client: RailyardClient, ref: string | undefined, runId: string | undefined): Promise<string> {
  if (!ref && !runId) throw new UsageError('give --experiment (name or id) or --run')
  const fromRun = runId ? (await client.runs.get(runId)).info.experiment_id : undefined
  if (!ref) return fromRun!
  const id = (await findExperiment(client, ref)).experiment_id
  if (fromRun !== undefined && fromRun !== id) throw new UsageError(`run ${runId} belongs to experiment ${fromRun}, not to ${ref}`)
  return id
}

async function* filesWithPrefix(client: RailyardClient, name: string, version: string, prefix: string): AsyncGenerator<DatasetFile> {
  let token: string | undefined
  do {
    const page = await client.datasets.listFiles(name, version, { prefix, pageToken: token, maxResults: 10_000 })
    yield* page.items
    token = page.nextPageToken
  } while (token)
}

async function printFiles(files: AsyncIterable<DatasetFile>, opts: { long?: boolean; json?: boolean }): Promise<void> {
  const out = new LineWriter()
  if (opts.json) await writeJsonArray(out, files)
  else {
    for await (const f of files) {
      // The whole hash: what `sha256sum` / `b3sum` print, to check a file by hand.
      await out.line(opts.long ? `${String(f.size).padStart(12)}  ${f.oid}  ${f.marker.padEnd(24)}  ${f.path}` : f.path)
    }
  }
  await out.flush()
}
