import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ModelSource, SaveModelOptions } from '@railyard/sdk'
import { checkWeights, classify, tokenize, WEIGHTS_FORMAT, type NaiveBayesWeights, type Prediction } from './predict.mjs'
import { classificationReport, type ClassificationReport } from './metrics.js'
import type { LabeledTweet } from './jsonl.js'

export type { NaiveBayesWeights, Prediction } from './predict.mjs'

/** The prediction code every saved model carries, next to its weights.json. */
export const PREDICT_MODULE = fileURLToPath(new URL('./predict.mjs', import.meta.url))

export interface TrainOptions {
  /** Additive (Laplace) smoothing of token counts. Default 1. */
  alpha?: number
  /** Word pairs as tokens too. Default true. */
  bigrams?: boolean
  /** Count a token once per tweet (binary naive Bayes; better on short texts). Default true. */
  binary?: boolean
  /** Tokens seen in fewer training tweets are dropped. Default 3. */
  minCount?: number
  /** The most frequent tokens kept. Default 100 000. */
  maxVocabulary?: number
  /**
   * `uniform`: every class equally likely a priori, which favours macro recall on skewed data
   * (TweetEval's train split is 45% neutral); `empirical`: the training class frequencies.
   * Default `uniform`.
   */
  priors?: 'uniform' | 'empirical'
  /** The classes, in order. Default: the labels of the training rows, sorted. */
  labels?: string[]
}

export const DEFAULT_TRAIN_OPTIONS: Required<Omit<TrainOptions, 'labels'>> = {
  alpha: 1,
  bigrams: true,
  binary: true,
  minCount: 3,
  maxVocabulary: 100_000,
  priors: 'uniform',
}

/**
 * A bag-of-words multinomial naive Bayes sentiment classifier for tweets, in plain TypeScript.
 * It trains in one pass over `{ text, label }` rows, predicts `{ label, probabilities }`, and saves
 * itself as a `railyard_js` model (predict.mjs + weights.json) via `saveModel`/`logModel`, since
 * it is a ModelSource.
 */
export class TweetClassifier implements ModelSource {
  constructor(readonly weights: NaiveBayesWeights) {
    checkWeights(weights)
  }

  /** Trains on labeled tweets. Error when there are no rows or a row's label is not in `labels`. */
  static train(rows: LabeledTweet[], options: TrainOptions = {}): TweetClassifier {
    if (rows.length === 0) throw new Error('Cannot train on no rows')
    const opts = { ...DEFAULT_TRAIN_OPTIONS, ...options }
    const labels = options.labels ?? [...new Set(rows.map((r) => r.label))].sort()
    const classOf = new Map(labels.map((l, i) => [l, i]))
    const docs = new Array<number>(labels.length).fill(0)
    const counts = new Map<string, number[]>()
    const docFreq = new Map<string, number>()
    for (const row of rows) {
      const c = classOf.get(row.label)
      if (c === undefined) throw new Error(`Label '${row.label}' is not one of ${labels.join(', ')}`)
      docs[c]++
      const tokens = tokenize(row.text, { bigrams: opts.bigrams })
      for (const t of new Set(tokens)) docFreq.set(t, (docFreq.get(t) ?? 0) + 1)
      for (const t of opts.binary ? new Set(tokens) : tokens) {
        let perClass = counts.get(t)
        if (!perClass) counts.set(t, (perClass = new Array<number>(labels.length).fill(0)))
        perClass[c]++
      }
    }
    // Most frequent first, ties by token, so the same data always gives the same vocabulary.
    const vocabulary = [...docFreq]
      .filter(([, n]) => n >= opts.minCount)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, opts.maxVocabulary)
      .map(([t]) => t)
    const totals = new Array<number>(labels.length).fill(0)
    for (const t of vocabulary) counts.get(t)!.forEach((n, c) => (totals[c] += n))
    const denominators = totals.map((n) => Math.log(n + opts.alpha * vocabulary.length))
    const tokens: Record<string, number[]> = {}
    for (const t of vocabulary) tokens[t] = counts.get(t)!.map((n, c) => round(Math.log(n + opts.alpha) - denominators[c]))
    const logPriors = labels.map((_, c) => round(opts.priors === 'uniform' ? -Math.log(labels.length) : Math.log(docs[c] / rows.length)))
    return new TweetClassifier({
      format: WEIGHTS_FORMAT,
      labels,
      options: { bigrams: opts.bigrams, binary: opts.binary },
      logPriors,
      tokens,
    })
  }

  /** Reads a saved model directory's weights.json. */
  static fromDir(dir: string): TweetClassifier {
    return new TweetClassifier(JSON.parse(fs.readFileSync(path.join(dir, 'weights.json'), 'utf8')) as NaiveBayesWeights)
  }

  get labels(): string[] {
    return this.weights.labels
  }

  get vocabularySize(): number {
    return Object.keys(this.weights.tokens).length
  }

  /** Tweets as strings or `{ text }` records → `{ label, probabilities }` each. */
  predict(inputs: Array<string | { text: string }>): Prediction[] {
    return inputs.map((input) => classify(this.weights, typeof input === 'string' ? input : input.text))
  }

  /** Accuracy, macro recall (TweetEval's metric), macro F1, per-class scores and the confusion matrix. */
  evaluate(rows: LabeledTweet[]): ClassificationReport {
    const predicted = this.predict(rows.map((r) => r.text)).map((p) => p.label)
    return classificationReport(
      rows.map((r) => r.label),
      predicted,
      this.labels,
    )
  }

  /** ModelSource: predict.mjs and weights.json, with a short example of inputs. */
  writeModelFiles(dir: string): Partial<SaveModelOptions> {
    fs.copyFileSync(PREDICT_MODULE, path.join(dir, 'predict.mjs'))
    fs.writeFileSync(path.join(dir, 'weights.json'), JSON.stringify(this.weights))
    return {
      flavor: 'railyard_js',
      module: 'predict.mjs',
      inputExample: [{ text: 'I love this phone, best purchase ever!' }, { text: 'worst service ever, never again' }],
      metadata: { task: 'tweet sentiment', labels: this.labels, vocabulary_size: this.vocabularySize },
    }
  }
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4
}
