import fs from 'node:fs'
import type { Predictor } from '@railyard/sdk'
import type { GatePolicy } from './policy.js'
import { parseJsonl } from './evaluation-data.js'
import { labelOf, valueOf } from './model-outputs.js'
import { clip } from './model-evaluation.js'
import { GateError, InputError } from './gate-error.js'
import { shownPath } from './shown-path.js'

/** The outcome of one behavioural test file. */
export interface BehaviouralResult {
  /** The file, relative to the working directory. */
  file: string
  cases: number
  passed: number
  pass_rate: number
  min_pass_rate: number
  ok: boolean
  /** The first few failures, for the report. */
  failures: Array<{ line: number; detail: string }>
}

const SHOWN_FAILURES = 5

/**
 * Runs behavioural test files against the model. Each line is either an expectation
 * `{"input": …, "expected": …}` (the predicted label, or value within `tolerance` for regression,
 * must equal `expected`) or an invariance pair `{"a": …, "b": …}` (both must get the same
 * prediction, e.g. a tweet with and without a trailing URL). String inputs are wrapped like the
 * evaluation texts. InputError for a file that cannot be read or a line that is neither;
 * GateError when the candidate fails to predict.
 */
export async function runBehaviouralTests(model: Predictor, policy: GatePolicy, wrap: (value: unknown) => unknown): Promise<BehaviouralResult[]> {
  const results: BehaviouralResult[] = []
  for (const test of policy.behaviouralTests) {
    const shown = shownPath(test.file)
    let text: string
    try {
      text = fs.readFileSync(test.file, 'utf8')
    } catch (err) {
      throw new InputError(`cannot read the behavioural test file ${shown}: ${(err as Error).message}`)
    }
    const cases = parseJsonl(text, shown)
    // Lines of the file in order, so failures can name them (blank lines do not count as cases).
    const lineNumbers = text.split('\n').flatMap((l, i) => (l.trim() === '' ? [] : [i + 1]))
    const inputs: unknown[] = []
    for (const [i, c] of cases.entries()) {
      if ('input' in c && 'expected' in c) inputs.push(wrap(c.input))
      else if ('a' in c && 'b' in c) inputs.push(wrap(c.a), wrap(c.b))
      else throw new InputError(`${shown}:${lineNumbers[i]}: a behavioural test is {"input": …, "expected": …} or an invariance pair {"a": …, "b": …}`)
    }
    let outputs: unknown[]
    try {
      outputs = await model.predict(inputs)
    } catch (err) {
      throw new GateError(`the candidate failed to predict on ${shown}: ${(err as Error).message}`)
    }
    let next = 0
    let passed = 0
    const failures: BehaviouralResult['failures'] = []
    for (const [i, c] of cases.entries()) {
      const problem = 'expected' in c && 'input' in c ? checkExpected(c, outputs[next++], policy.task) : checkInvariant(c, outputs[next++], outputs[next++], policy.task)
      if (problem === undefined) passed++
      else if (failures.length < SHOWN_FAILURES) failures.push({ line: lineNumbers[i], detail: problem })
    }
    const rate = passed / cases.length
    results.push({ file: shown, cases: cases.length, passed, pass_rate: rate, min_pass_rate: test.minPassRate, ok: rate >= test.minPassRate, failures })
  }
  return results
}

type Case = Record<string, unknown>

function checkExpected(c: Case, output: unknown, task: GatePolicy['task']): string | undefined {
  if (task === 'regression') {
    const got = valueOf(output)
    const tolerance = typeof c.tolerance === 'number' ? c.tolerance : 0
    if (got !== undefined && Math.abs(got - Number(c.expected)) <= tolerance) return undefined
    return `${clip(c.input, 80)}: expected ${c.expected} (± ${tolerance}), got ${clip(output, 60)}`
  }
  const got = labelOf(output)
  return got === String(c.expected) ? undefined : `${clip(c.input, 80)}: expected '${c.expected}', got '${got ?? clip(output, 60)}'`
}

function checkInvariant(c: Case, a: unknown, b: unknown, task: GatePolicy['task']): string | undefined {
  if (task === 'regression') {
    const tolerance = typeof c.tolerance === 'number' ? c.tolerance : 0
    const [x, y] = [valueOf(a), valueOf(b)]
    if (x !== undefined && y !== undefined && Math.abs(x - y) <= tolerance) return undefined
    return `${clip(c.a, 60)} → ${clip(a, 30)} but ${clip(c.b, 60)} → ${clip(b, 30)} (should be equal ± ${tolerance})`
  }
  const [x, y] = [labelOf(a), labelOf(b)]
  return x !== undefined && x === y ? undefined : `${clip(c.a, 60)} → '${x}' but ${clip(c.b, 60)} → '${y}' (should be the same)`
}
