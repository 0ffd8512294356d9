import { Seeder } from './seed.js'

/** The keys examples/tweets/train.ts logs: a learning curve, final scores with one point each, and its params. */
export const CURVE_METRICS = ['rows_seen', 'train_accuracy', 'train_loss', 'val_accuracy', 'val_loss', 'val_macro_recall']
export const FINAL_METRICS = ['train_seconds', 'val_macro_f1', 'val_recall_negative', 'val_recall_neutral', 'val_recall_positive', 'vocabulary_size']
export const PARAMS = ['alpha', 'bigrams', 'binary', 'limit', 'max_vocabulary', 'min_count', 'model', 'priors', 'seed', 'steps', 'train_dataset', 'train_files', 'train_rows', 'val_dataset']

/**
 * An experiment shaped like the tweets example's: 12 metrics (6 with a curve of 5 points, 6 with
 * one final point), 14 params (alpha, min_count and seed differ between runs), 2 user tags.
 */
export async function seedWideExperiment(seed: Seeder, name: string, runs = 3): Promise<{ experimentId: string; runIds: string[] }> {
  const experimentId = await seed.experiment(name)
  const runIds: string[] = []
  for (let i = 0; i < runs; i++) {
    const curve = Object.fromEntries(CURVE_METRICS.map((k, j) => [k, Array.from({ length: 5 }, (_, step) => (k === 'rows_seen' ? 1000 * (step + 1) : 0.4 + 0.05 * step + 0.01 * (i + j)))]))
    const final = Object.fromEntries(FINAL_METRICS.map((k, j) => [k, [k === 'vocabulary_size' ? 20_000 + 1000 * i : 0.5 + 0.03 * i + 0.01 * j]]))
    const params = Object.fromEntries(
      PARAMS.map((k) => [k, k === 'alpha' ? String(0.5 + i) : k === 'min_count' ? String(2 + i) : k === 'seed' ? String(40 + i) : k === 'train_dataset' ? 'tweets@3f2a9c1d' : 'x']),
    )
    const run = await seed.run({
      experimentId,
      name: `tweets-naive-bayes-alpha-${0.5 + i}`,
      params,
      metrics: { ...curve, ...final },
      tags: { team: 'nlp', purpose: i === 0 ? 'baseline' : 'tuning' },
    })
    runIds.push(run.runId)
  }
  return { experimentId, runIds }
}
