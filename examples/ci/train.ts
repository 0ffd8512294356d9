// The "train" step of the CI templates: trains the example tweet classifier
// (examples/tweets/model) on the first --rows rows of TweetEval's training split, evaluates it on
// the evaluation dataset version frozen for the run's experiment, and logs params, metrics, both
// datasets and the model into the run. Run it under `railyard run` (it joins that run) or alone
// (it starts one in --experiment). Prints the logged model's URI and writes it to --out.
//
//   railyard run -e tweets-sentiment -- tsx examples/ci/train.ts --rows 2000 --out model-uri.txt
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { logModel, startRun, type RailyardClient } from '@railyard/sdk'
import { TweetClassifier } from '../tweets/model/classifier.js'
import { readJsonl, type LabeledTweet } from '../tweets/model/jsonl.js'

const HERE = path.dirname(fileURLToPath(import.meta.url))
export const TRAIN_FILE = path.resolve(HERE, '../tweets/data/tweeteval-sentiment/train.jsonl')

export interface TrainOptions {
  /** Training rows, from the top of the file. */
  rows: number
  trainFile?: string
  /** The evaluation dataset (a Railyard dataset); the version frozen for the experiment is used. */
  evalDataset?: string
  /** Its file to score on (default: every .jsonl file of the version). */
  evalFile?: string
  /** Where to start a run when not joining one from RAILYARD_RUN_ID / MLFLOW_RUN_ID. */
  experimentName?: string
  client?: RailyardClient
}

export interface Trained {
  runId: string
  /** `runs:/RUN_ID/model`, to register. */
  modelUri: string
  metrics: Record<string, number>
}

export async function trainTweets(opts: TrainOptions): Promise<Trained> {
  const trainFile = opts.trainFile ?? TRAIN_FILE
  const run = await startRun({ client: opts.client, experimentName: opts.experimentName })
  try {
    const rows = readJsonl(trainFile, { limit: opts.rows })
    await run.logParams({ train_rows: rows.length, model: 'naive-bayes', bigrams: true })
    await run.logInputs([
      {
        dataset: { name: path.basename(trainFile, '.jsonl'), digest: digestOf(rows), source_type: 'local', source: JSON.stringify({ path: path.relative(process.cwd(), trainFile), rows: rows.length }) },
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
      },
    ])
    const classifier = TweetClassifier.train(rows)
    const metrics: Record<string, number> = {}
    if (opts.evalDataset) {
      const used = await run.useDataset(opts.evalDataset, { context: 'evaluation' })
      const files = (await used.files.paths()).filter((p) => (opts.evalFile ? p === opts.evalFile : p.endsWith('.jsonl')))
      const evalRows: LabeledTweet[] = []
      for (const f of files) evalRows.push(...parseRows((await used.readFile(f)).toString('utf8')))
      const report = classifier.evaluate(evalRows)
      Object.assign(metrics, { accuracy: report.accuracy, macro_f1: report.macroF1, macro_recall: report.macroRecall })
      for (const [label, s] of Object.entries(report.perClass)) Object.assign(metrics, { [`precision.${label}`]: s.precision, [`recall.${label}`]: s.recall, [`f1.${label}`]: s.f1 })
      run.logMetrics(metrics)
    }
    const logged = await logModel(run, classifier, { artifactPath: 'model' })
    await run.end()
    return { runId: run.runId, modelUri: logged.modelUri, metrics }
  } catch (err) {
    await run.end('FAILED').catch(() => {})
    throw err
  }
}

/** The training slice's identity: the same rows give the same digest. */
function digestOf(rows: LabeledTweet[]): string {
  const hash = createHash('sha256')
  for (const r of rows) hash.update(`${r.label}\t${r.text}\n`)
  return hash.digest('hex').slice(0, 12)
}

function parseRows(text: string): LabeledTweet[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as LabeledTweet)
}

// Run as a script (also through a symlinked checkout), not when imported.
if (process.argv[1] && fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url))) {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '2000' },
      'train-file': { type: 'string' },
      'eval-dataset': { type: 'string' },
      'eval-file': { type: 'string' },
      experiment: { type: 'string' },
      out: { type: 'string' },
    },
  })
  const rows = Number(values.rows)
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`--rows must be a whole number ≥ 1, got ${values.rows}`)
  const trained = await trainTweets({
    rows,
    trainFile: values['train-file'],
    evalDataset: values['eval-dataset'],
    evalFile: values['eval-file'],
    experimentName: values.experiment,
  })
  const shown = Object.entries(trained.metrics).filter(([k]) => !k.includes('.')).map(([k, v]) => `${k}=${v.toFixed(4)}`)
  console.log(`trained on ${rows} rows: ${shown.join(' ') || 'no evaluation dataset given'}`)
  console.log(trained.modelUri)
  if (values.out) fs.writeFileSync(values.out, `${trained.modelUri}\n`)
}
