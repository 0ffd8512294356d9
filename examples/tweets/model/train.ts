// Trains the tweet classifier and logs it to a Railyard run:
//
//   railyard run -- node --import tsx examples/tweets/model/train.ts --register tweets-sentiment
//   node --import tsx examples/tweets/model/train.ts --out /tmp/model        (no server: save locally)
//
// Under `railyard run` it joins the run the supervisor created (RAILYARD_RUN_ID); otherwise it
// starts one in --experiment. It logs the options as params, validation metrics, the training
// and validation files as dataset inputs, and the model (flavor railyard_js) under `model`.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { logModel, saveModel, startRun, type DatasetInput } from '@railyard/sdk'
import { DEFAULT_TRAIN_OPTIONS, TweetClassifier, type TrainOptions } from './classifier.js'
import { readJsonl } from './jsonl.js'

const dataDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'data')

const { values } = parseArgs({
  options: {
    train: { type: 'string', multiple: true, default: [path.join(dataDir, 'tweeteval-sentiment', 'train.jsonl')] },
    val: { type: 'string', default: path.join(dataDir, 'tweeteval-sentiment', 'val.jsonl') },
    limit: { type: 'string' },
    'min-count': { type: 'string' },
    alpha: { type: 'string' },
    'no-bigrams': { type: 'boolean', default: false },
    priors: { type: 'string' },
    experiment: { type: 'string', default: 'tweets-sentiment' },
    register: { type: 'string' },
    out: { type: 'string' },
  },
})

const options: TrainOptions = {
  ...(values['min-count'] ? { minCount: Number(values['min-count']) } : {}),
  ...(values.alpha ? { alpha: Number(values.alpha) } : {}),
  ...(values['no-bigrams'] ? { bigrams: false } : {}),
  ...(values.priors ? { priors: values.priors as TrainOptions['priors'] } : {}),
}
const limit = values.limit ? Number(values.limit) : undefined
const train = values.train.flatMap((file) => readJsonl(file, { limit }))
const val = readJsonl(values.val)

const started = Date.now()
const model = TweetClassifier.train(train, options)
const report = model.evaluate(val)
const metrics: Record<string, number> = {
  val_macro_recall: report.macroRecall,
  val_accuracy: report.accuracy,
  val_macro_f1: report.macroF1,
  train_seconds: (Date.now() - started) / 1000,
  vocabulary_size: model.vocabularySize,
}
for (const [label, s] of Object.entries(report.perClass)) metrics[`val_recall_${label}`] = s.recall
console.log(`trained on ${train.length} tweets; validation macro recall ${report.macroRecall.toFixed(4)}, accuracy ${report.accuracy.toFixed(4)}`)

if (values.out) {
  await saveModel(values.out, { model, flavor: 'railyard_js' })
  console.log(`saved to ${values.out}`)
} else {
  const run = await startRun({ experimentName: values.experiment })
  const { labels: _labels, ...effective } = { ...DEFAULT_TRAIN_OPTIONS, ...options }
  await run.logParams({ ...effective, labels: model.labels.join(','), train_rows: train.length, model: 'naive-bayes' })
  run.logMetrics(metrics)
  await run.logInputs([...values.train.map((f) => datasetInput(f, 'train')), datasetInput(values.val, 'validation')])
  const logged = await logModel(run, model, { registeredModelName: values.register })
  console.log(`logged ${logged.modelUri}${logged.modelVersion ? ` as ${values.register} version ${logged.modelVersion.version}` : ''}`)
  await run.flush()
}

function datasetInput(file: string, context: string): DatasetInput {
  const digest = createHash('sha256').update(fs.readFileSync(file)).digest('hex')
  return {
    dataset: { name: path.basename(path.dirname(file)) + '/' + path.basename(file), digest: digest.slice(0, 16), source_type: 'local', source: path.resolve(file) },
    tags: [{ key: 'mlflow.data.context', value: context }],
  }
}
