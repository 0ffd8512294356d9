import fs from 'node:fs'
import path from 'node:path'
import { logModel, saveModel, startRun, type RailyardClient } from '@railyard/sdk'
import { TweetClassifier } from '../../examples/tweets/model/classifier.js'
import { readJsonl } from '../../examples/tweets/model/jsonl.js'

const DATA = new URL('../../examples/tweets/data/tweeteval-sentiment/', import.meta.url)

export interface TweetVersions {
  name: string
  /** Version number → the classifier registered under it (to compute what each version answers). */
  models: Map<string, TweetClassifier>
  /** Test tweets for request bodies. */
  tweets: string[]
}

/**
 * Trains the example tweet classifier twice (different vocabularies, so the two versions answer
 * differently) and registers both as versions of `name`. `trainRows` bounds the training time.
 */
export async function registerTweetVersions(client: RailyardClient, name: string, trainRows: number): Promise<TweetVersions> {
  const rows = readJsonl(new URL('train.jsonl', DATA).pathname, { limit: trainRows })
  const variants = [TweetClassifier.train(rows), TweetClassifier.train(rows, { bigrams: false, minCount: 3 })]
  const models = new Map<string, TweetClassifier>()
  for (const [i, model] of variants.entries()) {
    const run = await startRun({ client, experimentName: 'bench-serving', runName: `tweets-${i + 1}` })
    const logged = await logModel(run, model, { registeredModelName: name })
    await run.end()
    models.set(logged.modelVersion!.version, model)
  }
  const tweets = readJsonl(new URL('test.jsonl', DATA).pathname, { limit: 64 }).map((r) => r.text)
  return { name, models, tweets }
}

/** The /invocations body of one tweet, MLflow's dataframe_split. */
export function invocationBody(tweet: string): string {
  return JSON.stringify({ dataframe_split: { columns: ['text'], data: [[tweet]] } })
}

/**
 * A railyard_js model whose predict answers the bare route's constant for every input: serving it
 * measures the serving stack without the cost of a model.
 */
export async function writeConstantModel(dir: string): Promise<string> {
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(
    path.join(dir, 'predict.mjs'),
    `const OUT = { label: 'neutral', probabilities: { negative: 0.2, neutral: 0.6, positive: 0.2 } }
export function load() {
  return { predict: (inputs) => inputs.map(() => OUT) }
}
`,
  )
  await saveModel(dir, { flavor: 'railyard_js', inputExample: [{ text: 'a tweet' }] })
  return dir
}
