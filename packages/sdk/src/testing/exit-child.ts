// A training script for exit-hook tests: logs metrics and never calls end(). CHILD_MODE picks how
// it stops: `return` (the event loop empties), `wait` (runs until a signal arrives), `exit`
// (process.exit(), which leaves no time to send anything).
import { startRun } from '../index.js'

const count = Number(process.env.CHILD_POINTS ?? 1000)
// A long interval, so nothing is sent before the exit hook runs.
const run = await startRun({ experimentName: process.env.CHILD_EXPERIMENT, flushIntervalMs: 60_000 })
for (let step = 0; step < count; step++) run.logMetric('loss', step / count, step)
process.stdout.write(JSON.stringify({ runId: run.runId, pending: run.pendingMetrics }) + '\n')
if (process.env.CHILD_MODE === 'wait') setInterval(() => {}, 1000)
if (process.env.CHILD_MODE === 'exit') process.exit(0)
