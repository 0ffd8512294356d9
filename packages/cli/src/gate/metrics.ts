/**
 * The metrics the gate computes itself, by the names policies use: for classifiers `accuracy`,
 * `macro_f1`, `macro_recall`, `macro_precision`, `precision.<class>`, `recall.<class>`,
 * `f1.<class>` and, when the model returns class probabilities, `log_loss`; for regression
 * `rmse`, `mae` and `r2`.
 */
export type Metrics = Record<string, number>

/** Probabilities are clipped here before the log, as scikit-learn does, so one confident miss stays finite. */
const EPSILON = 1e-15

/**
 * Scores predicted labels against true ones. Classes are every label seen in either list. A class
 * never predicted has precision 0, one absent from the truth recall 0 (scikit-learn's convention).
 * `probabilities[i]` maps class → probability; log_loss is computed only when every row has them.
 */
export function classificationMetrics(truth: string[], predicted: string[], probabilities?: Array<Record<string, number> | undefined>): Metrics {
  if (truth.length !== predicted.length) throw new Error(`${truth.length} labels but ${predicted.length} predictions`)
  if (truth.length === 0) throw new Error('no rows to score')
  const classes = [...new Set([...truth, ...predicted])].sort()
  const tp = new Map<string, number>()
  const actual = new Map<string, number>()
  const guessed = new Map<string, number>()
  let correct = 0
  truth.forEach((t, i) => {
    const p = predicted[i]
    actual.set(t, (actual.get(t) ?? 0) + 1)
    guessed.set(p, (guessed.get(p) ?? 0) + 1)
    if (t === p) {
      correct++
      tp.set(t, (tp.get(t) ?? 0) + 1)
    }
  })
  const m: Metrics = { accuracy: correct / truth.length }
  let sumP = 0
  let sumR = 0
  let sumF = 0
  for (const c of classes) {
    const hits = tp.get(c) ?? 0
    const precision = guessed.get(c) ? hits / guessed.get(c)! : 0
    const recall = actual.get(c) ? hits / actual.get(c)! : 0
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0
    m[`precision.${c}`] = precision
    m[`recall.${c}`] = recall
    m[`f1.${c}`] = f1
    sumP += precision
    sumR += recall
    sumF += f1
  }
  m.macro_precision = sumP / classes.length
  m.macro_recall = sumR / classes.length
  m.macro_f1 = sumF / classes.length
  if (probabilities && probabilities.length === truth.length && probabilities.every((p) => p !== undefined)) {
    let loss = 0
    truth.forEach((t, i) => {
      const p = Math.min(1 - EPSILON, Math.max(EPSILON, probabilities[i]![t] ?? 0))
      loss -= Math.log(p)
    })
    m.log_loss = loss / truth.length
  }
  return m
}

export function regressionMetrics(truth: number[], predicted: number[]): Metrics {
  if (truth.length !== predicted.length) throw new Error(`${truth.length} labels but ${predicted.length} predictions`)
  if (truth.length === 0) throw new Error('no rows to score')
  let se = 0
  let ae = 0
  const mean = truth.reduce((s, y) => s + y, 0) / truth.length
  let total = 0
  truth.forEach((y, i) => {
    const d = predicted[i] - y
    se += d * d
    ae += Math.abs(d)
    total += (y - mean) ** 2
  })
  const m: Metrics = { rmse: Math.sqrt(se / truth.length), mae: ae / truth.length }
  if (total > 0) m.r2 = 1 - se / total
  return m
}

/** The p-th percentile (0–100) by nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]
}
