import { Command } from 'commander'
import { InvalidParameterError, type DatasetVersion, type VersionedDataset } from '@railyard/sdk'
import { clientFor, trackingUriOf, trackingUriOption } from '../client.js'
import { UsageError } from '../cli-errors.js'
import { clip, formatTime, printJson, printSection, printTable } from '../output.js'
import { printVersion } from '../datasets/printing.js'
import { collect, collectKeyValue } from '../datasets/option-parsers.js'
import { formatBytes, formatCount, shortVersion } from '../datasets/format.js'
import { positiveInt } from './options.js'
import { snapshotCommand, materializeCommand } from './dataset-transfers.js'
import { catCommand, diffCommand, filesCommand, useCommand, verifyCommand } from './dataset-reads.js'

export function datasetsCommand(): Command {
  const cmd = new Command('datasets')
    .alias('dataset')
    .description('Version data where it lives: datasets, snapshots, diffs, and the files an experiment is frozen at')
    .addHelpText('after', `
A dataset selects files in a datastore (a folder, a glob, include/exclude patterns) or is a SQL query.
A snapshot records each file's path, size, hash and change marker; its version id is the hash of that
list, so the same files, unchanged, always give the same id (a file touched or copied back gives a
new version, and \`datasets diff\` shows it holds the same content). The first run of an experiment that uses a dataset
freezes a version; later runs of that experiment get exactly those files until
\`railyard experiments refresh-data\` moves the freeze.

Examples:
  railyard datasets create tweets --datastore tweets-raw --glob "2024-*/**/*.json" --exclude "**/tmp/**"
  railyard datasets snapshot tweets --message "after the March import"
  railyard datasets versions tweets
  railyard datasets diff tweets 3f2a9c01 latest
  railyard datasets files tweets latest --long
  railyard datasets use tweets --experiment sentiment > files.txt
  railyard datasets materialize tweets latest ./data/tweets
  railyard run --experiment sentiment --dataset tweets -- python train.py`)

  cmd
    .command('create')
    .description('Define a dataset: files of a datastore (--datastore with --path or --glob, then --include/--exclude) or a SQL query (--table-source)')
    .argument('<name>', 'dataset name')
    .option('--datastore <name>', 'the datastore holding the files')
    .option('--path <folder>', 'folder inside the datastore; version paths are relative to it (default: its root)')
    .option('--glob <pattern>', 'files inside the datastore matching this glob (`*` within a folder, `**` across folders, `{a,b}`)')
    .option('--include <glob>', 'only files matching this glob, relative to --path; repeat for more', collect, [])
    .option('--exclude <glob>', 'leave out files matching this glob, relative to --path; repeat for more', collect, [])
    .option('--table-source <uri>', 'a table dataset: sqlite:/abs/path.db or postgres://user@host:port/db (no password in it)')
    .option('--query <sql>', 'the table dataset\'s SELECT; its ordered result is each version\'s content')
    .option('--password-env <var>', 'the server\'s environment variable holding the database password')
    .option('--description <text>', 'what the dataset is')
    .option('--tag <key=value>', 'a tag; repeat for more', collectKeyValue, {})
    .option('--json', 'print the dataset as JSON')
    .addOption(trackingUriOption())
    .action(async (name: string, opts, self: Command) => {
      const table = opts.tableSource !== undefined || opts.query !== undefined
      if (table && opts.datastore) throw new UsageError('a dataset is files of a datastore (--datastore) or a query (--table-source), not both')
      if (table && !(opts.tableSource && opts.query)) throw new UsageError('a table dataset needs both --table-source and --query')
      if (!table && !opts.datastore) throw new UsageError('give --datastore (files) or --table-source with --query (a table)')
      const client = clientFor(trackingUriOf(self))
      const dataset = await client.datasets.create({
        name,
        datastore: opts.datastore,
        path: opts.path,
        glob: opts.glob,
        include: opts.include.length ? opts.include : undefined,
        exclude: opts.exclude.length ? opts.exclude : undefined,
        table: table ? { source_uri: opts.tableSource, query: opts.query, password_env: opts.passwordEnv } : undefined,
        description: opts.description,
        tags: Object.keys(opts.tag).length ? opts.tag : undefined,
      })
      if (opts.json) return printJson(dataset)
      console.log(`Created dataset ${dataset.name}; take its first version with \`railyard datasets snapshot ${dataset.name}\``)
    })

  cmd
    .command('ls')
    .alias('list')
    .description('List datasets by name with their latest version')
    .option('--datastore <name>', 'only datasets of this datastore')
    .option('--json', 'print a JSON array of datasets')
    .addOption(trackingUriOption())
    .action(async (opts, self: Command) => {
      const client = clientFor(trackingUriOf(self))
      const all: VersionedDataset[] = []
      for await (const d of client.datasets.all({ datastore: opts.datastore })) all.push(d)
      if (opts.json) return printJson(all)
      printTable(
        ['NAME', 'SOURCE', 'LATEST', 'FILES', 'SIZE', 'SNAPSHOT AT'],
        all.map((d) => {
          const v = d.latest_version
          return [d.name, sourceOf(d), v ? v.short_id : '-', v ? formatCount(v.file_count) : '-', v ? formatBytes(v.total_bytes) : '-', formatTime(v?.creation_timestamp)]
        }),
        '(no datasets)',
      )
    })

  cmd
    .command('show')
    .description('Show a dataset: its selection, its latest version and the experiments frozen on it')
    .argument('<name>', 'dataset name')
    .option('--json', 'print the dataset as JSON')
    .addOption(trackingUriOption())
    .action(async (name: string, opts, self: Command) => {
      const client = clientFor(trackingUriOf(self))
      // A server older than the dataset-wide freeze listing answers 400: show the dataset without it.
      const freezesOf = client.datasets.freezesOfDataset(name).catch((err: unknown) => (err instanceof InvalidParameterError ? [] : Promise.reject(err)))
      const [d, freezes] = await Promise.all([client.datasets.get(name), freezesOf])
      if (opts.json) return printJson({ ...d, freezes })
      const pairs: Array<[string, string]> = [['source', sourceOf(d)]]
      if (d.include?.length) pairs.push(['include', d.include.join(', ')])
      if (d.exclude?.length) pairs.push(['exclude', d.exclude.join(', ')])
      if (d.description) pairs.push(['description', d.description])
      for (const t of d.tags ?? []) pairs.push([`tag ${t.key}`, t.value])
      pairs.push(['created', `${formatTime(d.creation_timestamp)}${d.created_by ? ` by ${d.created_by}` : ''}`])
      printSection(`Dataset ${d.name}`, pairs)
      if (d.latest_version) printVersion('Latest version', d.latest_version)
      else console.log(`(no versions yet: railyard datasets snapshot ${d.name})`)
      if (freezes.length === 0) return
      printSection(
        'Frozen in experiments',
        freezes.map((f): [string, string] => [
          f.experiment_name ?? f.experiment_id,
          `${shortVersion(f.version.id)} since ${formatTime(f.frozen_at)}${f.frozen_by ? ` by ${f.frozen_by}` : ''}`,
        ]),
      )
    })

  cmd
    .command('versions')
    .description('List a dataset\'s versions, newest first')
    .argument('<name>', 'dataset name')
    .option('--max <n>', 'show at most this many', positiveInt, 100)
    .option('--json', 'print a JSON array of versions')
    .addOption(trackingUriOption())
    .action(async (name: string, opts, self: Command) => {
      const client = clientFor(trackingUriOf(self))
      const versions: DatasetVersion[] = []
      for await (const v of client.datasets.allVersions(name)) {
        versions.push(v)
        if (versions.length >= opts.max) break
      }
      if (opts.json) return printJson(versions)
      printTable(
        ['VERSION', 'FILES', 'SIZE', 'PINNED', 'TAKEN', 'BY', 'MESSAGE'],
        versions.map((v) => [
          v.short_id,
          formatCount(v.file_count),
          formatBytes(v.total_bytes),
          v.pinned ? 'yes' : 'no',
          formatTime(v.creation_timestamp),
          v.created_by ?? '',
          clip(v.message ?? '', 60),
        ]),
        `(no versions: railyard datasets snapshot ${name})`,
      )
    })

  cmd
    .command('rm')
    .alias('delete')
    .description('Remove a dataset and its versions; refused once an experiment froze it or a run used it. The data is not touched')
    .argument('<name>', 'dataset name')
    .addOption(trackingUriOption())
    .action(async (name: string, _opts, self: Command) => {
      await clientFor(trackingUriOf(self)).datasets.delete(name)
      console.log(`Removed dataset ${name} (its manifests go at the next \`railyard gc\`)`)
    })

  cmd.addCommand(snapshotCommand())
  cmd.addCommand(diffCommand())
  cmd.addCommand(filesCommand())
  cmd.addCommand(catCommand())
  cmd.addCommand(useCommand())
  cmd.addCommand(materializeCommand())
  cmd.addCommand(verifyCommand())
  return cmd
}

function sourceOf(d: VersionedDataset): string {
  if (d.type === 'table') return `query on ${d.table?.source_uri ?? '?'}`
  const where = d.glob ?? (d.path ? `${d.path}/` : '/')
  // Include/exclude patterns change what a dataset holds, so two datasets of one folder must not look alike.
  const filters = [...(d.include ?? []).map((p) => `+${p}`), ...(d.exclude ?? []).map((p) => `-${p}`)]
  return `${d.datastore}:${where}${filters.length ? ` ${filters.join(' ')}` : ''}`
}
