import { parseArgs } from 'node:util'
import type { TrainOptions } from '../model/classifier.js'

/** What one training run does, from command-line flags with environment variables as fallbacks. */
export interface TrainingConfig {
  /** Railyard dataset with the training tweets (every .jsonl file of its frozen version). */
  data: string
  /** Railyard dataset with the validation tweets. */
  val: string
  /** Train on a seeded random sample of this many rows instead of all of them. */
  limit?: number
  /** Shuffles the rows (and picks the --limit sample) reproducibly. */
  seed: number
  /** Stages of the learning curve: the model is fitted on 1/steps, 2/steps, … of the rows. */
  steps: number
  /** Registered model to add the trained model to as a new version. */
  register?: string
  /** Experiment to start a run in when not under `railyard run`. */
  experiment: string
  hyperparameters: TrainOptions
}

export const USAGE = `Usage: railyard run -e EXPERIMENT -- node --import tsx examples/tweets/train.ts [flags]

Flags (environment variable in brackets):
  --data NAME        training dataset, frozen for the experiment [TWEETS_DATA] (default tweets-landing)
  --val NAME         validation dataset [TWEETS_VAL] (default tweeteval-val)
  --alpha X          additive smoothing [TWEETS_ALPHA] (default 1)
  --min-count N      drop tokens seen in fewer tweets [TWEETS_MIN_COUNT] (default 3)
  --no-bigrams       words only, no word pairs [TWEETS_BIGRAMS=0]
  --priors P         uniform | empirical [TWEETS_PRIORS] (default uniform)
  --limit N          train on a random sample of N rows [TWEETS_LIMIT]
  --seed N           shuffle seed [TWEETS_SEED] (default 42)
  --steps N          learning-curve stages logged as metric steps [TWEETS_STEPS] (default 5)
  --register NAME    register the model as a new version of NAME [TWEETS_REGISTER]
  --experiment NAME  experiment when not under railyard run (default tweets-mood)`

/** Parses argv (without node and the script) and the environment; throws with a message on bad values. */
export function parseTrainingArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): TrainingConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      val: { type: 'string' },
      alpha: { type: 'string' },
      'min-count': { type: 'string' },
      'no-bigrams': { type: 'boolean' },
      priors: { type: 'string' },
      limit: { type: 'string' },
      seed: { type: 'string' },
      steps: { type: 'string' },
      register: { type: 'string' },
      experiment: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(USAGE)
    process.exit(0)
  }
  const pick = (flag: string | undefined, name: string) => flag ?? (env[name] === '' ? undefined : env[name])
  const alpha = number(pick(values.alpha, 'TWEETS_ALPHA'), '--alpha', { min: 0, exclusive: true })
  const minCount = number(pick(values['min-count'], 'TWEETS_MIN_COUNT'), '--min-count', { min: 1, integer: true })
  const priors = pick(values.priors, 'TWEETS_PRIORS')
  if (priors !== undefined && priors !== 'uniform' && priors !== 'empirical') throw new Error(`--priors must be uniform or empirical, got '${priors}'`)
  const noBigrams = values['no-bigrams'] ?? env.TWEETS_BIGRAMS === '0'
  return {
    data: pick(values.data, 'TWEETS_DATA') ?? 'tweets-landing',
    val: pick(values.val, 'TWEETS_VAL') ?? 'tweeteval-val',
    limit: number(pick(values.limit, 'TWEETS_LIMIT'), '--limit', { min: 1, integer: true }),
    seed: number(pick(values.seed, 'TWEETS_SEED'), '--seed', { min: 0, integer: true }) ?? 42,
    steps: number(pick(values.steps, 'TWEETS_STEPS'), '--steps', { min: 1, integer: true }) ?? 5,
    register: pick(values.register, 'TWEETS_REGISTER'),
    experiment: values.experiment ?? 'tweets-mood',
    hyperparameters: {
      ...(alpha !== undefined ? { alpha } : {}),
      ...(minCount !== undefined ? { minCount } : {}),
      ...(noBigrams ? { bigrams: false } : {}),
      ...(priors !== undefined ? { priors } : {}),
    },
  }
}

function number(raw: string | undefined, flag: string, rule: { min: number; integer?: boolean; exclusive?: boolean }): number | undefined {
  if (raw === undefined) return undefined
  const n = Number(raw)
  const ok = raw.trim() !== '' && Number.isFinite(n) && (rule.exclusive ? n > rule.min : n >= rule.min) && (!rule.integer || Number.isInteger(n))
  if (!ok) throw new Error(`${flag} must be ${rule.integer ? 'a whole number' : 'a number'} ${rule.exclusive ? 'above' : 'of at least'} ${rule.min}, got '${raw}'`)
  return n
}
