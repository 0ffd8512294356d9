import { pathToFileURL } from 'node:url'
import type { ModelManifest, Predictor } from '@railyard/sdk'
import type { EvaluationSpec, GatePolicy } from './policy.js'
import type { Row } from './evaluation-data.js'
import { classificationMetrics, percentile, regressionMetrics, type Metrics } from './metrics.js'
import { labelOf, probabilitiesOf, valueOf } from './model-outputs.js'
import { GateError, InputError } from './gate-error.js'
import { shownPath } from './shown-path.js'

// Rows per predict() call while scoring: large enough to amortize per-call costs, small enough
// that a slow model still shows progress and memory stays flat.
const BATCH = 256

/**
 * How a value from the data becomes a model input. A text (an evaluation row's text field, a
 * behavioural test's string input) becomes a record `{ <column>: text }` when the model's
 * signature names a single input column (else `text_field`'s own name); records pass as they are.
 */
export function textInput(manifest: ModelManifest, textField: string | undefined): (value: unknown) => unknown {
  const column = singleInputColumn(manifest) ?? textField
  return (value) => (typeof value === 'string' && column ? { [column]: value } : value)
}

function singleInputColumn(manifest: ModelManifest): string | undefined {
  const inputs = manifest.signature?.inputs
  if (!inputs) return undefined
  try {
    const cols = JSON.parse(inputs) as Array<{ name?: string; type?: string }>
    return Array.isArray(cols) && cols.length === 1 && typeof cols[0].name === 'string' ? cols[0].name : undefined
  } catch {
    return undefined
  }
}

/** The model inputs and labels of evaluation rows: the text field wrapped, or the row without its label. */
export function inputsAndLabels(rows: Row[], spec: EvaluationSpec, wrap: (value: unknown) => unknown): { inputs: unknown[]; labels: unknown[] } {
  const inputs: unknown[] = []
  const labels: unknown[] = []
  rows.forEach((row, i) => {
    if (!(spec.labelField in row)) throw new InputError(`evaluation row ${i + 1} has no label field '${spec.labelField}' (set evaluation.label_field)`)
    labels.push(row[spec.labelField])
    if (spec.textField) {
      if (!(spec.textField in row)) throw new InputError(`evaluation row ${i + 1} has no text field '${spec.textField}' (set evaluation.text_field)`)
      inputs.push(wrap(row[spec.textField]))
    } else {
      const { [spec.labelField]: _label, ...features } = row
      inputs.push(features)
    }
  })
  return { inputs, labels }
}

/** Every output of the model for `inputs`, in batches. GateError when the model fails. */
export async function predictAll(model: Predictor, inputs: unknown[], who: string): Promise<unknown[]> {
  const outputs: unknown[] = []
  for (let i = 0; i < inputs.length; i += BATCH) {
    try {
      outputs.push(...(await model.predict(inputs.slice(i, i + BATCH))))
    } catch (err) {
      throw new GateError(`${who} failed to predict on the evaluation data (rows ${i + 1}–${Math.min(inputs.length, i + BATCH)}): ${(err as Error).message}`)
    }
  }
  return outputs
}

/** The policy's task metrics of `outputs` against `labels`, plus what the user's evaluation module returns. */
export async function scoreOutputs(outputs: unknown[], labels: unknown[], policy: GatePolicy, who: string): Promise<Metrics> {
  let metrics: Metrics
  if (policy.task === 'regression') {
    const truth = labels.map((l, i) => {
      const n = typeof l === 'number' ? l : Number(l)
      if (!Number.isFinite(n)) throw new InputError(`evaluation row ${i + 1}: the label ${JSON.stringify(l)} is not a number (task: regression)`)
      return n
    })
    const predicted = outputs.map((o, i) => {
      const v = valueOf(o)
      if (v === undefined) throw new GateError(`${who} answered row ${i + 1} with ${clip(o)}, which is not a number (task: regression)`)
      return v
    })
    metrics = regressionMetrics(truth, predicted)
  } else {
    const predicted = outputs.map((o, i) => {
      const label = labelOf(o)
      if (label === undefined) throw new GateError(`${who} answered row ${i + 1} with ${clip(o)}, which holds no class label`)
      return label
    })
    metrics = classificationMetrics(labels.map(String), predicted, outputs.map(probabilitiesOf))
  }
  const module = policy.evaluation?.module
  if (module) Object.assign(metrics, await userMetrics(module, outputs, labels))
  return metrics
}

async function userMetrics(module: string, outputs: unknown[], labels: unknown[]): Promise<Metrics> {
  const file = shownPath(module)
  let mod: { evaluate?: unknown }
  try {
    mod = await import(pathToFileURL(module).href)
  } catch (err) {
    throw new InputError(`cannot load the evaluation module ${file}: ${(err as Error).message}`)
  }
  if (typeof mod.evaluate !== 'function') throw new InputError(`the evaluation module ${file} does not export evaluate(predictions, labels)`)
  let result: unknown
  try {
    result = await (mod.evaluate as (p: unknown[], l: unknown[]) => unknown)(outputs, labels)
  } catch (err) {
    throw new GateError(`evaluate() of ${file} threw: ${(err as Error).message}`)
  }
  if (!result || typeof result !== 'object' || Array.isArray(result)) throw new GateError(`evaluate() of ${file} must return an object of metric → number`)
  const out: Metrics = {}
  for (const [k, v] of Object.entries(result)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new GateError(`evaluate() of ${file} returned ${JSON.stringify(v)} for metric '${k}': not a finite number`)
    out[k] = v
  }
  return out
}

export interface Latency {
  p50_ms: number
  p95_ms: number
  max_ms: number
  /** Single-input predictions timed. */
  samples: number
}

/**
 * Prediction latency as a caller sees it: one input per predict() call, over the first `samples`
 * inputs (cycled when there are fewer), after a few untimed calls so module loading and JIT
 * warm-up are not counted.
 */
export async function measureLatency(model: Predictor, inputs: unknown[], samples: number): Promise<Latency> {
  if (inputs.length === 0) throw new GateError('no inputs to measure prediction latency on')
  for (let i = 0; i < Math.min(5, inputs.length); i++) await model.predict([inputs[i]])
  const times: number[] = []
  for (let i = 0; i < samples; i++) {
    const start = process.hrtime.bigint()
    await model.predict([inputs[i % inputs.length]])
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  return { p50_ms: percentile(times, 50), p95_ms: percentile(times, 95), max_ms: Math.max(...times), samples }
}

export function clip(value: unknown, max = 120): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}
