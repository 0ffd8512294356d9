// A training script for exit-hook tests: logs metrics and never calls end(). CHILD_MODE picks how
// it stops: `return` (the event loop empties), `wait` (runs until a signal arrives), `exit`
// (process.exit(), which leaves no time to send anything), `throw` (an error thrown later, in a
// timer), `reject` (an unhandled rejection), `exit-code` (returns with process.exitCode = 3),
// `handled-throw` (throws, but the script has its own uncaughtException handler and goes on).
import { startRun } from '../index.js'

const count = Number(process.env.CHILD_POINTS ?? 1000)
const mode = process.env.CHILD_MODE
// A long interval, so nothing is sent before the exit hook runs.
const run = await startRun({ experimentName: process.env.CHILD_EXPERIMENT, flushIntervalMs: 60_000 })
for (let step = 0; step < count; step++) run.logMetric('loss', step / count, step)
process.stdout.write(JSON.stringify({ runId: run.runId, pending: run.pendingMetrics }) + '\n')
if (mode === 'wait') setInterval(() => {}, 1000)
if (mode === 'exit') process.exit(0)
if (mode === 'throw') setTimeout(() => JSON.parse('{not json'), 10)
if (mode === 'reject') void Promise.reject(new Error('the data loader failed'))
if (mode === 'exit-code') process.exitCode = 3
if (mode === 'handled-throw') {
  process.on('uncaughtException', (err) => {
    process.stderr.write(`script's own handler: ${err.message}\n`)
    // Still alive after the error: say so once the points had time to go out, then stop.
    setTimeout(() => {
      process.stdout.write('still running\n')
      process.exit(0)
    }, 1500)
  })
  setTimeout(() => {
    throw new Error('recoverable')
  }, 10)
}
