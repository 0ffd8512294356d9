import { Command } from 'commander'
import { clientFor, trackingUriOf, trackingUriOption } from '../client.js'
import { formatDuration, printJson } from '../output.js'
import { ProgressBar } from '../datasets/progress-bar.js'
import { formatBytes, formatCount } from '../datasets/format.js'
import { positiveInt } from './options.js'
import { printVersion } from '../datasets/printing.js'
import { collectKeyValue } from '../datasets/option-parsers.js'

/** `railyard datasets snapshot`: takes a version with a progress display. */
export function snapshotCommand(): Command {
  return new Command('snapshot')
    .description('Take a version of the dataset\'s current files (the same files give the same version)')
    .argument('<name>', 'dataset name')
    .option('--pin', 'also copy the contents into Railyard\'s object store, so reads never depend on the datastore again')
    .option('--rehash', 'read and hash every file, trusting no earlier hash (after a copy that kept files\' times)')
    .option('-m, --message <text>', 'what changed, for `datasets versions`')
    .option('--tag <key=value>', 'a tag of the version; repeat for more', collectKeyValue, {})
    .option('-q, --quiet', 'no progress display')
    .option('--json', 'print {"version": …, "reused": …}')
    .addOption(trackingUriOption())
    .addHelpText('after', `
Files whose size and change marker (mtime, ETag or version id) are unchanged since an earlier
snapshot are not read again, so a re-snapshot costs time in proportion to what changed. A file
whose bytes changed but whose size and time did not (\`cp -p\`, \`rsync -t\`, \`touch -r\`) keeps
its old hash that way: \`--rehash\` reads everything (\`datasets verify --deep\` finds such files). Progress
(files, bytes, rate, ETA) goes to stderr: a bar in a terminal, a line every 2 s otherwise.

Examples:
  railyard datasets snapshot tweets -m "March import"
  railyard datasets snapshot tweets --pin --tag source=vendor-a
  railyard datasets snapshot tweets --json | jq -r .version.id`)
    .action(async (name: string, opts, self: Command) => {
      const client = clientFor(trackingUriOf(self))
      const bar = new ProgressBar({ quiet: opts.quiet })
      const started = Date.now()
      let cached = 0
      let result
      try {
        result = await client.datasets.snapshot(name, {
          pin: opts.pin,
          rehash: opts.rehash,
          message: opts.message,
          tags: Object.keys(opts.tag).length ? opts.tag : undefined,
          onProgress: (e) => {
            if (e.phase === 'done') return
            cached = e.files_cached ?? cached
            bar.update({ ...e, note: e.files_cached ? `${formatCount(e.files_cached)} known` : undefined })
          },
        })
      } finally {
        bar.done()
      }
      const { version, reused } = result
      if (opts.json) return printJson(result)
      const took = formatDuration(Date.now() - started)
      // The stat cache is per datastore: another dataset's snapshot of the same files counts too.
      const unchanged = cached ? `, ${formatCount(cached)} files' hashes known from earlier snapshots of the datastore` : ''
      console.error(`railyard: ${reused ? 'the files match existing version' : 'took version'} ${version.short_id} in ${took}${unchanged}`)
      printVersion(`Version of ${name}`, version)
    })
}

/** `railyard datasets materialize`: downloads a version into a folder with a progress display. */
export function materializeCommand(): Command {
  return new Command('materialize')
    .description('Write every file of a version into a local folder (verified; files already there with the same hash are kept)')
    .argument('<name>', 'dataset name')
    .argument('<version>', 'version id, a prefix of ≥ 8 hex digits, or latest')
    .argument('<dir>', 'target folder (created if missing)')
    .option('--concurrency <n>', 'files written at once (downloads come in one stream; a server without it gets this many requests at once)', positiveInt, 8)
    .option('-q, --quiet', 'no progress display')
    .option('--json', 'print a summary as JSON')
    .addOption(trackingUriOption())
    .addHelpText('after', `
Each file is written under a temporary name and renamed once its hash matches the version, so the
folder never holds a partial or wrong file. A file that changed in the datastore since an unpinned
version was taken is not written, nor is one whose place in the folder is taken (a folder where the
file goes, a file where one of its folders goes); the other files are written, all such files are
named at the end and the exit code is 1. Files in the folder that the version does not list are
left as they are.

Examples:
  railyard datasets materialize tweets latest ./data/tweets
  railyard datasets materialize tweets 3f2a9c01d4e5 /scratch/tweets --concurrency 16`)
    .action(async (name: string, version: string, dir: string, opts, self: Command) => {
      const client = clientFor(trackingUriOf(self))
      const bar = new ProgressBar({ quiet: opts.quiet })
      const started = Date.now()
      let result
      try {
        result = await client.datasets.materialize(name, version, dir, {
          concurrency: opts.concurrency,
          onProgress: (p) =>
            bar.update({ phase: 'materializing', ...p, note: p.files_skipped ? `${formatCount(p.files_skipped)} already present` : undefined }),
        })
      } finally {
        bar.done()
      }
      // snake_case, as every other --json output and the REST API.
      if (opts.json) return printJson({ version_id: result.versionId, dir: result.dir, files: result.files, bytes: result.bytes, downloaded: result.downloaded, skipped: result.skipped })
      console.log(
        `Materialized ${formatCount(result.files)} files (${formatBytes(result.bytes)}) of ${name} ${result.versionId} into ${result.dir}: ` +
          `${formatCount(result.downloaded)} downloaded, ${formatCount(result.skipped)} already present, in ${formatDuration(Date.now() - started)}`,
      )
    })
}
