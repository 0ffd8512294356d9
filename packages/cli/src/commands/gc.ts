import { Command, InvalidArgumentError, Option } from 'commander'
import type { GcProgress, GcReport } from '@railyard/server'
import { formatBytes, formatCount } from '../datasets/format.js'
import { printJson } from '../output.js'

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }
const DAY = UNITS.d
// Progress lines at most this often, so a long sweep shows it is alive without flooding stderr.
const PROGRESS_EVERY_MS = 1000

/** `30m`, `24h`, `7d`, `90s`, `1.5h`, or `0`: milliseconds. A bare number other than 0 has no unit, so it is refused. */
export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)?$/.exec(value.trim())
  if (!m || (m[2] === undefined && Number(m[1]) !== 0)) {
    throw new InvalidArgumentError('expected a duration such as 30m, 24h or 7d (or 0)')
  }
  return Math.round(Number(m[1]) * (m[2] ? UNITS[m[2]] : 0))
}

export function gcCommand(): Command {
  return new Command('gc')
    .description(
      'Delete stored objects (model version files, dataset manifests and pinned files, leftover uploads) that nothing ' +
        'references any more. Only reports what would go unless --apply is given.',
    )
    .option('--backend-store-uri <uri>', "the server's database, as for `railyard server` (default: $RAILYARD_HOME/railyard.db)")
    .option('--artifacts-destination <uri>', "the server's artifact store, as for `railyard server` (default: $RAILYARD_HOME/artifacts)")
    .addOption(
      new Option('--min-age <duration>', 'keep unreferenced objects written less than this long ago (30m, 24h, 7d; 0 for none)')
        .argParser(parseDuration)
        .default(DAY, '24h'),
    )
    .option('--apply', 'delete the garbage (without it nothing is deleted)')
    .option('--json', 'print the report as JSON')
    .option('-v, --verbose', 'list the keys that go (or would go)')
    .addHelpText('after', `
The grace period (--min-age) protects snapshots and registrations in progress: they store objects
before the database row that names them. Run it against the database and artifact store the server
uses; the artifact store's objects/ must belong to that database alone.

Examples:
  railyard gc                      # what would go
  railyard gc --apply --min-age 7d`)
    .action(async (opts: { backendStoreUri?: string; artifactsDestination?: string; minAge: number; apply?: boolean; json?: boolean; verbose?: boolean }) => {
      // The server's code is TypeScript source, loaded only here (as `railyard server` does).
      if (!(globalThis as { __railyardTsx?: boolean }).__railyardTsx) (await import('tsx/esm/api')).register()
      const { openGarbageCollector } = await import('@railyard/server')
      const opened = await openGarbageCollector({ backendStoreUri: opts.backendStoreUri, artifactsDestination: opts.artifactsDestination })
      const keys: string[] = []
      let report: GcReport
      try {
        process.stderr.write(`Collecting garbage in ${opened.artifactsDestination} (database ${redact(opened.backendStoreUri)})\n`)
        if (opts.minAge < 3_600_000) {
          process.stderr.write('Warning: a --min-age under 1h can delete objects of snapshots and registrations still in progress.\n')
        }
        report = await opened.gc.run({
          minAgeMs: opts.minAge,
          apply: !!opts.apply,
          onProgress: progressPrinter(),
          onGarbage: (key) => {
            if (!opts.verbose) return
            if (opts.json) keys.push(key)
            else console.log(key)
          },
        })
      } finally {
        await opened.close()
      }
      if (opts.json) printJson(opts.verbose ? { ...report, keys } : report)
      else printSummary(report)
    })
}

function progressPrinter(): (p: GcProgress) => void {
  let last = 0
  let phase = ''
  return (p) => {
    const now = Date.now()
    if (p.phase === phase && now - last < PROGRESS_EVERY_MS) return
    phase = p.phase
    last = now
    if (p.phase === 'marking') {
      const c = p.counts
      process.stderr.write(
        `Marking: ${count(c.model_versions, 'model version')}, ${count(c.dataset_versions, 'dataset version')}, ` +
          `${count(c.files, 'file')}, ${count(c.cached_hashes, 'cached hash', 'cached hashes')}\n`,
      )
    } else {
      process.stderr.write(`Sweeping: ${count(p.listed, 'object')} listed, ${formatCount(p.garbage)} garbage, ${formatCount(p.deleted)} deleted\n`)
    }
  }
}

function printSummary(r: GcReport): void {
  const tally = (t: { objects: number; bytes: number }) => `${count(t.objects, 'object')} (${formatBytes(t.bytes)})`
  const uploads = r.leftover_uploads.objects > 0 ? `, of which ${tally(r.leftover_uploads)} leftover uploads` : ''
  console.log(r.dry_run ? `Would delete ${tally(r.garbage)}${uploads}.` : `Deleted ${tally(r.deleted)}${uploads}.`)
  console.log(
    `Kept ${tally(r.referenced)} still referenced, ${tally(r.young)} younger than ${formatAge(r.min_age_ms)}` +
      (r.unrecognized.objects > 0 ? `, ${tally(r.unrecognized)} not recognized as objects` : '') +
      '.',
  )
  if (r.held.objects > 0) {
    console.log(`Held back ${tally(r.held)} while registrations are copying files: ${r.held_by.join(', ')}. Run gc again once they finish.`)
  }
  if (r.dry_run && r.garbage.objects > 0) console.log('Nothing was deleted: run again with --apply to delete them.')
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`
}

function formatAge(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    if (ms >= UNITS[unit] && ms % UNITS[unit] === 0) return `${ms / UNITS[unit]}${unit}`
  }
  return `${ms}ms`
}

/** A database URI without its password, for messages. */
function redact(uri: string): string {
  return uri.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@')
}
