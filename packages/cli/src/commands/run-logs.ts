import { Command } from 'commander'
import { runLogsOf, type RunLogFollowEvent } from '@railyard/sdk'
import { clientFor, trackingUriOf, trackingUriOption } from '../client.js'
import { formatTime } from '../output.js'
import { nonNegativeInt } from './options.js'

interface LogLine {
  seq: number
  stream: 'stdout' | 'stderr'
  timestamp: number
  line: string
}

export function runLogsCommand(): Command {
  return new Command('logs')
    .description("Print a run's output log (what `railyard run` captured); --follow keeps printing until the run ends")
    .argument('<run-id>', 'the run id')
    .option('-f, --follow', 'keep printing new lines as they come, until the run finishes')
    .option('--after <seq>', 'only lines after this sequence number', nonNegativeInt, 0)
    .option('-t, --timestamps', 'prefix each line with its time')
    .option('--json', 'print one JSON object per line: {seq, stream, timestamp, line}')
    .addOption(trackingUriOption())
    .addHelpText('after', `
stdout lines go to stdout and stderr lines to stderr, as the command wrote them.

Examples:
  railyard runs logs 3f2c9a…
  railyard runs logs 3f2c9a… --follow --timestamps
  railyard runs logs 3f2c9a… --json | jq -r 'select(.stream == "stderr") | .line'`)
    .action(async (runId: string, opts, self: Command) => {
      const client = clientFor(trackingUriOf(self))
      const logs = runLogsOf(client)
      const print = (l: LogLine) => {
        if (opts.json) return void process.stdout.write(`${JSON.stringify(l)}\n`)
        const text = opts.timestamps ? `${formatTime(l.timestamp)}  ${l.line}\n` : `${l.line}\n`
        ;(l.stream === 'stderr' ? process.stderr : process.stdout).write(text)
      }
      if (!opts.follow) {
        for await (const line of logs.readAll(runId, { afterSeq: opts.after })) print(line)
        return
      }
      // Ctrl-C while following just stops reading: exit quietly.
      const stop = new AbortController()
      process.once('SIGINT', () => stop.abort())
      for await (const event of logs.follow(runId, { afterSeq: opts.after, signal: stop.signal })) {
        if (event.type === 'line') print(lineOf(event))
      }
    })
}

function lineOf(e: Extract<RunLogFollowEvent, { type: 'line' }>): LogLine {
  return { seq: e.seq, stream: e.stream, timestamp: e.timestamp, line: e.line }
}
