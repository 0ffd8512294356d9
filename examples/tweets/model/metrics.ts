/** Classification metrics over parallel lists of true and predicted labels. */
export interface ClassificationReport {
  /** Rows scored. */
  count: number
  accuracy: number
  /** Mean of per-class recall: TweetEval's official sentiment metric (a constant guess scores 1/classes). */
  macroRecall: number
  macroF1: number
  perClass: Record<string, { precision: number; recall: number; f1: number; support: number }>
  /** confusion[truth][predicted] = count. */
  confusion: Record<string, Record<string, number>>
}

/**
 * Scores predictions against the truth, over `labels` (default: every label seen). A class with
 * no predictions has precision 0, one with no rows recall 0, as scikit-learn reports them.
 */
export function classificationReport(truth: string[], predicted: string[], labels?: string[]): ClassificationReport {
  if (truth.length !== predicted.length) throw new Error(`${truth.length} true labels but ${predicted.length} predictions`)
  if (truth.length === 0) throw new Error('Nothing to score: no rows')
  const classes = labels ?? [...new Set([...truth, ...predicted])].sort()
  const confusion = Object.fromEntries(classes.map((t) => [t, Object.fromEntries(classes.map((p) => [p, 0]))]))
  let correct = 0
  truth.forEach((t, i) => {
    if (!(t in confusion) || !(predicted[i] in confusion)) throw new Error(`Unknown label '${t in confusion ? predicted[i] : t}'`)
    confusion[t][predicted[i]]++
    if (t === predicted[i]) correct++
  })
  const perClass: ClassificationReport['perClass'] = {}
  for (const c of classes) {
    const tp = confusion[c][c]
    const support = classes.reduce((n, p) => n + confusion[c][p], 0)
    const predictedAs = classes.reduce((n, t) => n + confusion[t][c], 0)
    const precision = predictedAs ? tp / predictedAs : 0
    const recall = support ? tp / support : 0
    perClass[c] = { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, support }
  }
  const mean = (key: 'recall' | 'f1') => classes.reduce((s, c) => s + perClass[c][key], 0) / classes.length
  return { count: truth.length, accuracy: correct / truth.length, macroRecall: mean('recall'), macroF1: mean('f1'), perClass, confusion }
}
