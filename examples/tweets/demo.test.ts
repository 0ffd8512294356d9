// The tweets story end to end on small slices: a real `railyard server` over a fresh SQLite home,
// every step through the real CLI (`railyard run` with the real training script, gate, deploy,
// serve, rollback), and the outcomes asserted here from the servers' own answers.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { COVID_BATCHES, runStory, type StoryResult } from './demo/story.js'

test('tweets story: frozen data, better model promoted, worse model stopped, rollback, serving follows the alias', async () => {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-tweets-test-'))
  const transcript: string[] = []
  let result: StoryResult
  try {
    result = await runStory({
      workDir,
      tweetevalRows: 1500,
      covidRows: 400,
      steps: 2,
      worseRows: 200,
      rerunFrozen: false,
      showAll: false,
      print: (text) => transcript.push(text),
    })
  } catch (err) {
    // The transcript says which command did what; without it a failure here is hard to read.
    console.log(transcript.join(''))
    throw err
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true })
  }

  // Data: the experiment's files did not move when new batches landed; refresh-data moved them.
  assert.deepEqual(result.frozenFiles.before, ['2020-03-15/tweets.jsonl'])
  assert.deepEqual(result.frozenFiles.afterNewBatches, result.frozenFiles.before)
  assert.deepEqual(result.frozenFiles.newExperiment, ['2020-03-15', ...COVID_BATCHES.map(([, day]) => day)].map((day) => `${day}/tweets.jsonl`))
  assert.deepEqual(result.frozenFiles.afterRefresh, result.frozenFiles.newExperiment)
  assert.notEqual(result.data.day1, result.data.covid)

  // Versions carry the data that made them.
  assert.deepEqual(result.versions, { baseline: '1', covid: '2', worse: '3' })
  assert.equal(result.lineage.baseline.trainingDigest, result.data.day1.slice(7, 19))
  assert.equal(result.lineage.covid.trainingDigest, result.data.covid.slice(7, 19))
  assert.equal(result.lineage.covid.params.train_rows, String(1500 + 400 * 4))
  assert.match(result.lineage.covid.commit ?? '', /^[0-9a-f]{40}$/)
  assert.deepEqual(result.learningCurveSteps, [1, 2])

  // Gate: first deployment on floors, the COVID-trained model beats it, the tiny-sample model is stopped.
  assert.equal(result.gates.baseline.exit, 0)
  assert.equal(result.gates.covid.exit, 0)
  assert.equal(result.gates.covid.championMacroRecall, result.gates.baseline.macroRecall)
  assert.ok(result.gates.covid.macroRecall >= result.gates.baseline.macroRecall + 0.02, `COVID model ${result.gates.covid.macroRecall} vs ${result.gates.baseline.macroRecall}`)
  assert.equal(result.gates.worse.exit, 1)
  assert.ok(result.gates.worse.macroRecall < result.gates.covid.macroRecall)
  assert.equal(result.deployWorseExit, 1)

  // The production alias and the model server's version header, step by step.
  assert.deepEqual(result.production, { afterBaseline: '1', afterCovid: '2', afterWorse: '2', afterRollback: '1' })
  assert.deepEqual(result.served, { afterBaseline: '1', afterCovid: '2', afterWorse: '2', afterRollback: '1' })
  assert.deepEqual(result.covidTweetMood, { baseline: 'neutral', covid: 'negative' })
})
