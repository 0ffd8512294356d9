// The tweets story, unattended: a fresh Railyard (temporary RAILYARD_HOME, a free port), tweets
// landing in a folder over "days", a frozen experiment, gate, deploy, serve, a better model
// promoted, a worse one stopped, a rollback, lineage. Prints every command and its output, checks
// each outcome, and exits 1 if any expectation fails.
//
//   node --import tsx examples/tweets/demo.ts            # slices: one to two minutes on 2 cores
//   node --import tsx examples/tweets/demo.ts --full     # every row (slower, better models)
//   node --import tsx examples/tweets/demo.ts --keep     # keep the temporary folder to look around
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { runStory, StoryError } from './demo/story.js'
import { CommandError } from './demo/shell.js'

const { values } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'tweeteval-rows': { type: 'string', default: '4000' },
    'covid-rows': { type: 'string', default: '1500' },
    steps: { type: 'string', default: '3' },
    'worse-rows': { type: 'string', default: '200' },
    'no-rerun': { type: 'boolean', default: false },
  },
})

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-tweets-demo-'))
console.log(`Working folder: ${workDir}`)
let code = 0
try {
  const result = await runStory({
    workDir,
    tweetevalRows: values.full ? Infinity : Number(values['tweeteval-rows']),
    covidRows: values.full ? Infinity : Number(values['covid-rows']),
    steps: Number(values.steps),
    worseRows: Number(values['worse-rows']),
    rerunFrozen: !values['no-rerun'],
    showAll: true,
  })
  const { gates, versions } = result
  const f = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(4))
  const rows = [
    [`version ${versions.baseline}`, 'day-1 everyday tweets', f(gates.baseline.macroRecall), `exit ${gates.baseline.exit}`, 'deployed (first deployment: floors met)'],
    [`version ${versions.covid}`, 'plus the COVID tweets', f(gates.covid.macroRecall), `exit ${gates.covid.exit}`, `deployed (beat ${f(gates.covid.championMacroRecall)} by more than 0.02)`],
    [`version ${versions.worse}`, `${values['worse-rows']}-row sample`, f(gates.worse.macroRecall), `exit ${gates.worse.exit}`, `stopped; deploy refused (exit ${result.deployWorseExit})`],
  ]
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  console.log(`\n━━ Summary ${'━'.repeat(70)}`)
  console.log('  Macro recall on the COVID test set, computed by the gate:')
  for (const row of rows) console.log(`    ${row.map((c, i) => (i < row.length - 1 ? c.padEnd(widths[i]) : c)).join('   ')}`)
  console.log(`  "${result.covidTweet}": version ${versions.baseline} says ${result.covidTweetMood.baseline}, version ${versions.covid} says ${result.covidTweetMood.covid}`)
  console.log(`  Production now: version ${result.production.afterRollback} (after the rollback).`)
  console.log(`  All expectations met in ${result.seconds.toFixed(1)} s.`)
} catch (err) {
  code = 1
  console.error(`\nDEMO FAILED: ${err instanceof StoryError || err instanceof CommandError ? err.message : (err as Error).stack ?? err}`)
} finally {
  if (values.keep) console.log(`Kept ${workDir}`)
  else fs.rmSync(workDir, { recursive: true, force: true })
}
process.exit(code)
