// Deterministic workloads: every run of the benchmark sends the same points, params and runs.
import type { MetricPoint } from '../../packages/server/src/store/metrics-repo.js'

export const SEED = 20240601

/** mulberry32: a small, fast PRNG, so results do not depend on Math.random. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const BATCH_KEYS = ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'lr', 'grad_norm', 'epoch_time', 'throughput', 'f1', 'auc']
const T0 = 1_700_000_000_000

/**
 * Batch `index` of client `client`: 1000 points, 10 keys × 100 consecutive steps, as a training
 * loop logs them. The same (client, index) always gives the same points.
 */
export function metricBatch(client: number, index: number, size = 1000): MetricPoint[] {
  const rand = prng(SEED + client * 1_000_003 + index)
  const stepsPerBatch = size / BATCH_KEYS.length
  const points: MetricPoint[] = []
  for (let s = 0; s < stepsPerBatch; s++) {
    const step = index * stepsPerBatch + s
    for (const key of BATCH_KEYS) points.push({ key, value: rand(), timestamp: T0 + step * 10, step })
  }
  return points
}

/** The wire form of a log-batch body, as the MLflow Python client sends it. */
export function logBatchBody(runId: string, points: MetricPoint[]): string {
  return JSON.stringify({ run_id: runId, metrics: points, params: [], tags: [] })
}

export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop']
export const LEARNING_RATES = ['0.1', '0.03', '0.01', '0.003', '0.001']

/** One sweep trial: the tags MLflow's client sets on create, then a small batch of params and metrics. */
export function sweepTrial(rand: () => number, experimentId: string, n: number) {
  return {
    create: {
      experiment_id: experimentId,
      run_name: `trial-${n}`,
      start_time: T0 + n,
      tags: [
        { key: 'mlflow.user', value: 'bench' },
        { key: 'mlflow.source.name', value: 'sweep.py' },
        { key: 'mlflow.source.type', value: 'LOCAL' },
      ],
    },
    batch: (runId: string) => ({
      run_id: runId,
      params: [
        { key: 'lr', value: LEARNING_RATES[Math.floor(rand() * LEARNING_RATES.length)] },
        { key: 'optimizer', value: OPTIMIZERS[Math.floor(rand() * OPTIMIZERS.length)] },
        { key: 'batch_size', value: String(2 ** (4 + Math.floor(rand() * 5))) },
        { key: 'dropout', value: rand().toFixed(2) },
        { key: 'seed', value: String(n) },
      ],
      metrics: [
        { key: 'accuracy', value: rand(), timestamp: T0 + n, step: 0 },
        { key: 'loss', value: rand(), timestamp: T0 + n, step: 0 },
        { key: 'f1', value: rand(), timestamp: T0 + n, step: 0 },
      ],
      tags: [],
    }),
  }
}

/** One run of the search data set: what search filters and orders on, plus a little more. */
export interface SeedRun {
  runId: string
  startTime: number
  optimizer: string
  lr: string
  batchSize: string
  accuracy: number
  loss: number
}

export function* seedRuns(from: number, to: number): Generator<SeedRun> {
  for (let i = from; i < to; i++) {
    const rand = prng(SEED ^ (i * 2654435761))
    const hex = () => Math.floor(rand() * 2 ** 32).toString(16).padStart(8, '0')
    yield {
      runId: hex() + hex() + hex() + hex(),
      startTime: T0 + i * 1000,
      optimizer: OPTIMIZERS[Math.floor(rand() * OPTIMIZERS.length)],
      lr: LEARNING_RATES[Math.floor(rand() * LEARNING_RATES.length)],
      batchSize: String(2 ** (4 + Math.floor(rand() * 5))),
      accuracy: rand(),
      loss: rand(),
    }
  }
}
