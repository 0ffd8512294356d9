// Trains the tweet mood classifier on the data frozen for the experiment, and logs everything a
// release needs to answer for itself later: params, a live learning curve, validation scores, the
// model with its signature and input example, and (with --register) a registry version.
//
//   railyard run -e tweets-mood -- node --import tsx examples/tweets/train.ts --register tweets-mood
//
// Under `railyard run` it joins the run the supervisor created; otherwise it starts one in
// --experiment. `run.useDataset` freezes the newest snapshot of the training dataset on the
// experiment's first run and returns exactly that version on every later run, however many files
// have landed since; `railyard experiments refresh-data` moves it on. `--help` lists the flags.
import { logModel, startRun } from '@railyard/sdk'
import { DEFAULT_TRAIN_OPTIONS } from './model/classifier.js'
import { parseTrainingArgs, USAGE } from './training/options.js'
import { readFrozenRows, shuffled } from './training/frozen-rows.js'
import { trainWithCurve } from './training/learning-curve.js'

let config
try {
  config = parseTrainingArgs(process.argv.slice(2))
} catch (err) {
  console.error(`train.ts: ${(err as Error).message}\n\n${USAGE}`)
  process.exit(2)
}

const run = await startRun({ experimentName: config.experiment })
const data = await run.useDataset(config.data, { context: 'training' })
const valData = await run.useDataset(config.val, { context: 'validation' })
const train = await readFrozenRows(data)
const val = (await readFrozenRows(valData)).rows
console.log(
  `training data: ${data.name} version ${data.version.short_id}${data.created ? ' (frozen for this experiment now)' : ' (frozen for this experiment)'}, ` +
    `${train.rows.length} rows in ${train.files.length} files:`,
)
for (const f of train.files) console.log(`  ${f.path}  ${f.rows} rows`)
console.log(`validation data: ${valData.name} version ${valData.version.short_id}, ${val.length} rows`)

const rows = shuffled(train.rows, config.seed).slice(0, config.limit)
const hyperparameters = { ...DEFAULT_TRAIN_OPTIONS, ...config.hyperparameters }
await run.logParams({
  model: 'naive-bayes',
  alpha: hyperparameters.alpha,
  min_count: hyperparameters.minCount,
  bigrams: hyperparameters.bigrams,
  binary: hyperparameters.binary,
  max_vocabulary: hyperparameters.maxVocabulary,
  priors: hyperparameters.priors,
  train_dataset: `${data.name}@${data.version.short_id}`,
  train_files: train.files.length,
  train_rows: rows.length,
  limit: config.limit ?? 'all',
  seed: config.seed,
  steps: config.steps,
  val_dataset: `${valData.name}@${valData.version.short_id}`,
})

const started = Date.now()
const model = trainWithCurve(rows, val, config.hyperparameters, config.steps, (step, metrics) => {
  run.logMetrics(metrics, step)
  console.log(
    `step ${step}/${config.steps}: ${metrics.rows_seen} rows, train loss ${metrics.train_loss.toFixed(4)} accuracy ${metrics.train_accuracy.toFixed(4)}, ` +
      `val loss ${metrics.val_loss.toFixed(4)} macro recall ${metrics.val_macro_recall.toFixed(4)}`,
  )
})
const report = model.evaluate(val)
const final: Record<string, number> = {
  val_macro_f1: report.macroF1,
  train_seconds: (Date.now() - started) / 1000,
  vocabulary_size: model.vocabularySize,
}
for (const [label, s] of Object.entries(report.perClass)) final[`val_recall_${label}`] = s.recall
run.logMetrics(final, config.steps)
console.log(`validation macro recall ${report.macroRecall.toFixed(4)} (TweetEval's metric), accuracy ${report.accuracy.toFixed(4)}`)

const logged = await logModel(run, model, {
  registeredModelName: config.register,
  versionDescription: `naive Bayes on ${data.name}@${data.version.short_id} (${rows.length} rows), alpha=${hyperparameters.alpha}, min_count=${hyperparameters.minCount}, bigrams=${hyperparameters.bigrams}`,
})
await run.flush()
console.log(`logged ${logged.modelUri}`)
if (logged.modelVersion) console.log(`registered ${config.register} version ${logged.modelVersion.version}`)
