import fs from 'node:fs'
import path from 'node:path'
import { RailyardClient } from '@railyard/sdk'
import { Shell, type Background } from './shell.js'
import { DATA, deliver } from './landing.js'
import { aliasTarget, askModel, gateMetrics, lineageOf, metricSteps, runDatasetDigest, waitForServedVersion } from './observe.js'

export const MODEL = 'tweets-mood'
export const EXPERIMENT = 'tweets-mood'
const POLICY = 'examples/tweets/gate.yaml'
const TRAIN = ['node', '--import', 'tsx', 'examples/tweets/train.ts']
/** The COVID batches and the day each lands: the last date of its tweets (covid-tweets/batches/manifest.json). */
export const COVID_BATCHES = [['01', '2020-03-19'], ['02', '2020-03-23'], ['03', '2020-04-04'], ['04', '2020-04-14']] as const
const COVID_TWEET = 'Prices at the grocery store doubled overnight because of coronavirus panic'

export interface StoryOptions {
  /** An empty folder for the landing zone, RAILYARD_HOME, the model cache and gate reports. */
  workDir: string
  /** Rows of TweetEval's train split delivered on day 1 (everyday tweets). */
  tweetevalRows: number
  /** Rows of each of the four COVID batches delivered after day 1. */
  covidRows: number
  /** Learning-curve stages per training run. */
  steps: number
  /** Rows the deliberately worse model is trained on. */
  worseRows: number
  /** Also train once more in the frozen experiment after new data landed (slower; shows it in a run). */
  rerunFrozen: boolean
  /** Also run the commands that only show things (diff, history, deployments, lineage, compare). */
  showAll: boolean
  print?: (text: string) => void
}

/** What happened, as read back from the servers; a test asserts on it. */
export interface StoryResult {
  trackingUri: string
  versions: { baseline: string; covid: string; worse: string }
  /** tweets-landing version ids: day 1, and after the COVID batches. */
  data: { day1: string; covid: string }
  /** The files `tweets-mood` is frozen at: before the batches, after them, and after refresh-data. */
  frozenFiles: { before: string[]; afterNewBatches: string[]; newExperiment: string[]; afterRefresh: string[] }
  /** tweets-landing digest the run in the frozen experiment recorded after the batches landed. */
  frozenRerunDigest?: string
  gates: Record<'baseline' | 'covid' | 'worse', { exit: number; macroRecall: number; championMacroRecall?: number }>
  deployWorseExit: number
  production: { afterBaseline?: string; afterCovid?: string; afterWorse?: string; afterRollback?: string }
  served: { afterBaseline: string; afterCovid: string; afterWorse: string; afterRollback: string }
  /** A COVID tweet, and the mood each production version gave it. */
  covidTweet: string
  covidTweetMood: { baseline: string; covid: string }
  lineage: Record<'baseline' | 'covid', { trainingDigest?: string; commit?: string; params: Record<string, string> }>
  /** Steps at which the COVID run logged train_loss: one point per learning-curve stage. */
  learningCurveSteps: number[]
  seconds: number
}

/** A failed expectation of the story (the demo exits 1). */
export class StoryError extends Error {}

/** Runs the whole story against a fresh server; throws StoryError when an expectation fails. */
export async function runStory(opts: StoryOptions): Promise<StoryResult> {
  const started = Date.now()
  const dir = (name: string) => {
    const full = path.join(opts.workDir, name)
    fs.mkdirSync(full, { recursive: true })
    return full
  }
  const landing = dir('landing')
  const reports = dir('reports')
  const shell = new Shell({ RAILYARD_HOME: dir('railyard-home'), RAILYARD_MODEL_CACHE: dir('model-cache') }, opts.print)
  const section = (title: string) => shell.say(`\n━━ ${title} ${'━'.repeat(Math.max(3, 76 - title.length))}`)
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new StoryError(`expectation failed: ${what}`)
    shell.say(`  ✓ ${what}`)
  }
  const running: Background[] = []
  const r: Partial<StoryResult> & { production: StoryResult['production'] } = { production: {} }

  try {
    section('1. Start a Railyard server (fresh RAILYARD_HOME, a free port)')
    const server = await shell.background(['server', '--port', '0', '--quiet'], /listening at (http:\/\/\S+)/)
    running.push(server)
    const uri = server.match[1]
    shell.env.RAILYARD_TRACKING_URI = uri
    shell.say(`(every command below runs with RAILYARD_TRACKING_URI=${uri})`)
    const client = new RailyardClient({ trackingUri: uri })

    section('2. Connect the data where it lives')
    // Independent commands run side by side (the transcript still shows them in order): the demo
    // spends most of its time starting processes.
    await shell.railyardAll([
      ['datastores', 'add', 'landing', '--kind', 'local', '--root', landing],
      ['datastores', 'add', 'reference', '--kind', 'local', '--root', DATA],
    ])
    await shell.railyardAll([
      ['datasets', 'create', 'tweets-landing', '--datastore', 'landing', '--glob', '**/*.jsonl'],
      ['datasets', 'create', 'tweeteval-val', '--datastore', 'reference', '--path', 'tweeteval-sentiment', '--include', 'val.jsonl'],
      ['datasets', 'create', 'covid-test', '--datastore', 'reference', '--path', 'covid-tweets', '--include', 'test.jsonl'],
    ])
    await shell.railyardAll([
      ['datasets', 'snapshot', 'tweeteval-val', '--pin', '-q', '-m', 'TweetEval validation split'],
      ['datasets', 'snapshot', 'covid-test', '--pin', '-q', '-m', 'COVID test set: what the gate evaluates on'],
    ])

    section('3. Day 1 (2020-03-15): everyday tweets land in blob storage')
    const day1Rows = deliver(landing, { source: 'tweeteval-sentiment/train.jsonl', target: '2020-03-15/tweets.jsonl', rows: opts.tweetevalRows })
    shell.say(`(dropped ${day1Rows} TweetEval tweets as landing/2020-03-15/tweets.jsonl)`)
    const day1 = await snapshot(shell, 'day 1: everyday tweets')
    r.data = { day1, covid: '' }

    section('4. Train the baseline; the first run freezes the data for the experiment')
    const baseline = await train(shell, 'day1-baseline', opts.steps, ['--register', MODEL])
    r.frozenFiles = { before: await frozenFiles(shell, EXPERIMENT), afterNewBatches: [], newExperiment: [], afterRefresh: [] }
    check(r.frozenFiles.before.join() === '2020-03-15/tweets.jsonl', `experiment ${EXPERIMENT} is frozen at day 1's file`)

    section('5. Gate the baseline (nothing in production yet: floors apply) and deploy it')
    const g1 = await gate(shell, reports, baseline.version, 0)
    const m1 = await gateMetrics(client, MODEL, baseline.version)
    check(m1.champion === undefined, 'first deployment: judged on floors, with no champion')
    await shell.railyard(['deploy', '--model', MODEL, '--version', baseline.version])
    r.production.afterBaseline = await aliasTarget(client, MODEL)
    check(r.production.afterBaseline === baseline.version, `${MODEL}@production → version ${baseline.version}`)

    section('6. Serve whatever production points to')
    const serve = await shell.background(
      ['serve', '--model', `models:/${MODEL}@production`, '--port', '0', '--poll-interval', '300ms'],
      /Serving \S+ .* at (http:\/\/\S+)/,
    )
    running.push(serve)
    const serveUrl = serve.match[1]
    const first = await curl(shell, serveUrl, COVID_TWEET)
    check(first.version === baseline.version, `the model server answers with version ${baseline.version}`)

    section('7. The following weeks: COVID tweets arrive, four batches')
    for (const [batch, day] of COVID_BATCHES) {
      const n = deliver(landing, { source: `covid-tweets/batches/batch-${batch}.jsonl`, target: `${day}/tweets.jsonl`, rows: opts.covidRows })
      shell.say(`(dropped ${n} tweets of COVID batch ${batch} as landing/${day}/tweets.jsonl)`)
    }
    const covidData = await snapshot(shell, 'COVID tweets, 2020-03-16 to 2020-04-14')
    r.data.covid = covidData
    if (opts.showAll) await shell.railyard(['datasets', 'diff', 'tweets-landing', day1.slice(7, 19), covidData.slice(7, 19)])

    section('8. The experiment stays on its frozen files; a new experiment sees the new ones')
    r.frozenFiles.afterNewBatches = await frozenFiles(shell, EXPERIMENT)
    check(r.frozenFiles.afterNewBatches.join() === r.frozenFiles.before.join(), `${EXPERIMENT} still reads only day 1's file`)
    if (opts.rerunFrozen) {
      const rerun = await train(shell, 'day3-rerun-frozen', opts.steps, [])
      r.frozenRerunDigest = await runDatasetDigest(client, rerun.runId, 'tweets-landing')
      check(r.frozenRerunDigest === day1.slice(7, 19), `a new run of ${EXPERIMENT} trained on the day-1 version ${day1.slice(7, 19)}`)
    }
    await shell.railyard(['experiments', 'create', `${EXPERIMENT}-covid`])
    r.frozenFiles.newExperiment = await frozenFiles(shell, `${EXPERIMENT}-covid`)
    check(r.frozenFiles.newExperiment.length === 1 + COVID_BATCHES.length, `a new experiment freezes the newest snapshot (${1 + COVID_BATCHES.length} files)`)

    section('9. Move the experiment to the new data (audited) and retrain')
    await shell.railyard(['experiments', 'refresh-data', EXPERIMENT, 'tweets-landing', '--reason', 'COVID tweets landed; production must handle them'])
    if (opts.showAll) await shell.railyard(['experiments', 'data', EXPERIMENT, '--history'])
    r.frozenFiles.afterRefresh = await frozenFiles(shell, EXPERIMENT)
    check(r.frozenFiles.afterRefresh.join() === r.frozenFiles.newExperiment.join(), `${EXPERIMENT} now reads all ${r.frozenFiles.afterRefresh.length} files`)
    const covid = await train(shell, 'day3-with-covid', opts.steps, ['--register', MODEL])

    section('10. Gate the retrained model against production; it is better on COVID tweets, so deploy')
    const g2 = await gate(shell, reports, covid.version, 0)
    await shell.railyard(['deploy', '--model', MODEL, '--version', covid.version])
    r.production.afterCovid = await aliasTarget(client, MODEL)
    check(r.production.afterCovid === covid.version, `${MODEL}@production → version ${covid.version}`)
    const servedCovid = await waitForServedVersion(serveUrl, covid.version)
    check(servedCovid === covid.version, `the model server swapped to version ${covid.version} by itself`)
    const second = await curl(shell, serveUrl, COVID_TWEET)

    section('11. A deliberately worse model: trained on a tiny sample; the gate stops it')
    const worse = await train(shell, `tiny-sample-${opts.worseRows}`, opts.steps, ['--register', MODEL, '--limit', String(opts.worseRows)])
    const g3 = await gate(shell, reports, worse.version, 1)
    const refused = await shell.railyard(['deploy', '--model', MODEL, '--version', worse.version], { expect: 1 })
    r.production.afterWorse = await aliasTarget(client, MODEL)
    check(r.production.afterWorse === covid.version, `production untouched: still version ${covid.version}`)
    const servedAfterWorse = (await curl(shell, serveUrl, 'I love this')).version
    check(servedAfterWorse === covid.version, `the model server still answers with version ${covid.version}`)

    section('12. Roll back in one command')
    await shell.railyard(['rollback', MODEL, '--reason', 'demo: back to the baseline'])
    r.production.afterRollback = await aliasTarget(client, MODEL)
    check(r.production.afterRollback === baseline.version, `${MODEL}@production → version ${baseline.version} again`)
    const servedAfterRollback = await waitForServedVersion(serveUrl, baseline.version)
    check(servedAfterRollback === baseline.version, `the model server followed back to version ${baseline.version}`)
    if (opts.showAll) await shell.railyard(['deployments', MODEL])

    section('13. Which model is this, what made it, how does it compare?')
    const lineage = {
      baseline: await lineageOf(client, MODEL, baseline.version),
      covid: await lineageOf(client, MODEL, covid.version),
    }
    check(lineage.baseline.trainingDigest === day1.slice(7, 19), `version ${baseline.version} was trained on tweets-landing@${day1.slice(7, 19)}`)
    check(lineage.covid.trainingDigest === covidData.slice(7, 19), `version ${covid.version} was trained on tweets-landing@${covidData.slice(7, 19)}`)
    if (opts.showAll) await showLineage(shell, covid.version, baseline.version)

    const learningCurveSteps = await metricSteps(client, covid.runId, 'train_loss')
    check(learningCurveSteps.join() === Array.from({ length: opts.steps }, (_, i) => i + 1).join(), `the run logged train_loss at steps ${learningCurveSteps.join(', ')}`)
    const m2 = await gateMetrics(client, MODEL, covid.version)
    const m3 = await gateMetrics(client, MODEL, worse.version)
    return {
      ...r,
      trackingUri: uri,
      versions: { baseline: baseline.version, covid: covid.version, worse: worse.version },
      data: r.data,
      frozenFiles: r.frozenFiles,
      gates: {
        baseline: { exit: g1, macroRecall: m1.challenger.macro_recall },
        covid: { exit: g2, macroRecall: m2.challenger.macro_recall, championMacroRecall: m2.champion?.macro_recall },
        worse: { exit: g3, macroRecall: m3.challenger.macro_recall, championMacroRecall: m3.champion?.macro_recall },
      },
      deployWorseExit: refused.code,
      served: { afterBaseline: first.version, afterCovid: servedCovid, afterWorse: servedAfterWorse, afterRollback: servedAfterRollback },
      covidTweet: COVID_TWEET,
      covidTweetMood: { baseline: first.label, covid: second.label },
      lineage,
      learningCurveSteps,
      seconds: (Date.now() - started) / 1000,
    }
  } finally {
    for (const b of running.reverse()) await b.stop()
  }
}

/** Snapshots tweets-landing and returns the version id. */
async function snapshot(shell: Shell, message: string): Promise<string> {
  const res = await shell.railyard(['datasets', 'snapshot', 'tweets-landing', '-m', message])
  const id = /sha256:[0-9a-f]{64}/.exec(res.stdout)?.[0]
  if (!id) throw new StoryError(`no version id in the snapshot's output:\n${res.stdout}`)
  return id
}

/** Trains under `railyard run`; returns the run id and the registered version (when --register). */
async function train(shell: Shell, runName: string, steps: number, extra: string[]): Promise<{ runId: string; version: string }> {
  const res = await shell.railyard(['run', '-e', EXPERIMENT, '-n', runName, '--', ...TRAIN, '--steps', String(steps), ...extra])
  const runId = /run ([0-9a-f]{32})/.exec(res.stderr)?.[1]
  if (!runId) throw new StoryError(`no run id in railyard run's output:\n${res.stderr}`)
  const version = /registered \S+ version (\d+)/.exec(res.stdout)?.[1] ?? ''
  if (extra.includes('--register') && !version) throw new StoryError(`the training run registered no version:\n${res.stdout}`)
  return { runId, version }
}

/** The gate, with its Markdown report written next to the others; `expect` is the exit code the story needs. */
async function gate(shell: Shell, reports: string, version: string, expect: number): Promise<number> {
  const report = path.join(reports, `gate-v${version}.md`)
  const res = await shell.railyard(['gate', '--model', MODEL, '--candidate', version, '--policy', POLICY, '--report', report], { expect })
  shell.say(`  ✓ the gate exited ${res.code} (${expect === 0 ? 'pass' : 'fail'}); Markdown report in ${report}`)
  return res.code
}

/** The files of tweets-landing an experiment is frozen at (freezing the newest snapshot on first use). */
async function frozenFiles(shell: Shell, experiment: string): Promise<string[]> {
  const res = await shell.railyard(['datasets', 'use', 'tweets-landing', '--experiment', experiment])
  return res.stdout.split('\n').filter(Boolean)
}

/** The curl a reader would type, and what came back. */
async function curl(shell: Shell, serveUrl: string, text: string): Promise<{ version: string; label: string }> {
  shell.say(`$ curl -si ${serveUrl}/invocations -H 'content-type: application/json' -d '{"inputs": [${JSON.stringify(text)}]}'`)
  const answer = await askModel(serveUrl, text)
  shell.say(`    X-Railyard-Model-Version: ${answer.version}`)
  shell.say(`    {"predictions": [{"label": "${answer.label}", …}]}`)
  return answer
}

/** `railyard models lineage/compare`. */
async function showLineage(shell: Shell, version: string, base: string): Promise<void> {
  await shell.railyard(['models', 'lineage', MODEL, version])
  await shell.railyard(['models', 'compare', MODEL, base, version])
}
