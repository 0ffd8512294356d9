// Types of predict.mjs, for the TypeScript trainer and tests.

export const WEIGHTS_FORMAT: 'railyard-tweets-naive-bayes/1'

export interface TokenizerOptions {
  /** Adds word pairs to the words. Default true. */
  bigrams?: boolean
}

export interface NaiveBayesWeights {
  format: typeof WEIGHTS_FORMAT
  /** Class names, in score order. */
  labels: string[]
  options: { bigrams: boolean; binary: boolean }
  /** log P(class), per label. */
  logPriors: number[]
  /** token → log P(token | class), per label. */
  tokens: Record<string, number[]>
}

export interface Prediction {
  label: string
  /** Class name → probability; they sum to 1. */
  probabilities: Record<string, number>
}

export function normalize(text: string): string
export function tokenize(text: string, options?: TokenizerOptions): string[]
export function textOf(input: unknown): string
export function classify(weights: NaiveBayesWeights, text: string): Prediction
export function checkWeights(weights: unknown, where?: string): NaiveBayesWeights
export function load(dir: string): { predict(inputs: unknown[]): Prediction[] }
