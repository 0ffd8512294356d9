import { TweetClassifier, type TrainOptions } from '../model/classifier.js'
import type { LabeledTweet } from '../model/jsonl.js'
import { classificationReport } from '../model/metrics.js'

/** Scores of one stage of the curve, named as the run's metrics. */
export type StageMetrics = Record<string, number>

/** Training rows scored per stage for train_loss/train_accuracy: enough for a smooth curve, cheap. */
const TRAIN_SCORE_SAMPLE = 2000

/**
 * Fits the classifier on growing shares of the (shuffled) rows, 1/steps, 2/steps, … all, and
 * reports after each stage: the loss and accuracy on rows it was fitted on, and on the validation
 * rows. Naive Bayes learns in one pass over the data, so these stages, not epochs, are what its
 * learning curve has; the last stage is the model trained on every row. `onStage` runs as each
 * stage ends, so metrics reach the server while training goes on.
 */
export function trainWithCurve(
  rows: LabeledTweet[],
  val: LabeledTweet[],
  options: TrainOptions,
  steps: number,
  onStage: (step: number, metrics: StageMetrics) => void,
): TweetClassifier {
  // Every class of either split, so a small sample that lacks one still scores against all three.
  const labels = [...new Set([...rows, ...val].map((r) => r.label))].sort()
  let model: TweetClassifier | undefined
  for (let step = 1; step <= steps; step++) {
    const seen = rows.slice(0, Math.max(1, Math.round((rows.length * step) / steps)))
    model = TweetClassifier.train(seen, { ...options, labels })
    const fitted = score(model, seen.length > TRAIN_SCORE_SAMPLE ? seen.slice(-TRAIN_SCORE_SAMPLE) : seen)
    const held = score(model, val)
    onStage(step, {
      rows_seen: seen.length,
      train_loss: fitted.loss,
      train_accuracy: fitted.accuracy,
      val_loss: held.loss,
      val_accuracy: held.accuracy,
      val_macro_recall: held.macroRecall,
    })
  }
  return model!
}

/** Log loss (probabilities clipped as scikit-learn does), accuracy and macro recall. */
function score(model: TweetClassifier, rows: LabeledTweet[]) {
  const predictions = model.predict(rows.map((r) => r.text))
  let loss = 0
  predictions.forEach((p, i) => (loss -= Math.log(Math.min(1 - 1e-15, Math.max(1e-15, p.probabilities[rows[i].label] ?? 0)))))
  const report = classificationReport(rows.map((r) => r.label), predictions.map((p) => p.label), model.labels)
  return { loss: loss / rows.length, accuracy: report.accuracy, macroRecall: report.macroRecall }
}
