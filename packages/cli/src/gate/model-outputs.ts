/**
 * What a model's predictions mean to the gate. Models answer in several shapes: a bare label or
 * number, or a record such as `{ label, probabilities }` (the tweet classifier), `{ prediction }`,
 * `{ class }` or `{ value }`. These read the label, class probabilities and numeric value of each.
 */

/** The predicted class as a string, or undefined when the output carries none. */
export function labelOf(output: unknown): string | undefined {
  if (typeof output === 'string' || typeof output === 'number' || typeof output === 'boolean') return String(output)
  if (Array.isArray(output) && output.length === 1) return labelOf(output[0])
  if (output && typeof output === 'object') {
    const o = output as Record<string, unknown>
    for (const key of ['label', 'prediction', 'class', 'predicted_label']) {
      if (key in o && o[key] !== null && typeof o[key] !== 'object') return String(o[key])
    }
  }
  return undefined
}

/** Class → probability when the output carries them (`probabilities` or `probability` as a record). */
export function probabilitiesOf(output: unknown): Record<string, number> | undefined {
  if (!output || typeof output !== 'object' || Array.isArray(output)) return undefined
  const o = output as Record<string, unknown>
  const p = o.probabilities ?? o.probability ?? o.scores
  if (!p || typeof p !== 'object' || Array.isArray(p)) return undefined
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(p)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) return undefined
    out[k] = v
  }
  return out
}

/** The predicted value of a regression model, or undefined when the output is not a number. */
export function valueOf(output: unknown): number | undefined {
  if (typeof output === 'number') return Number.isFinite(output) ? output : undefined
  if (Array.isArray(output) && output.length === 1) return valueOf(output[0])
  if (output && typeof output === 'object') {
    const o = output as Record<string, unknown>
    for (const key of ['prediction', 'value', 'score']) if (typeof o[key] === 'number') return valueOf(o[key])
  }
  if (typeof output === 'string' && output.trim() !== '' && Number.isFinite(Number(output))) return Number(output)
  return undefined
}
