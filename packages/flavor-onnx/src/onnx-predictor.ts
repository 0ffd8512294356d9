import fsp from 'node:fs/promises'
import path from 'node:path'
import { InvalidParameterError, ONNX_FLAVOR, type ModelManifest, type Predictor } from '@railyard/api'
import ort from 'onnxruntime-node'
import { flattenRow, splitRows, toTensorData, type Dtype } from './tensors.js'

interface InputInfo {
  name: string
  dtype: Dtype
  /** Dimensions after the batch dimension when the model declares them as numbers. */
  rowShape?: number[]
  /** False when the model's input has no free batch dimension: rows then run one at a time. */
  batched: boolean
}

/**
 * Loads an ONNX model directory (MLflow's `onnx` flavor: `data` names the .onnx file) into a
 * CPU inference session. `predict` takes a batch: with one model input, each row is that input's
 * value (a number array, nested array or typed array); with several, each row is a record
 * `{ inputName: value }`. Rows are stacked into one tensor per input, of the element type the
 * model declares. Each output is split back into rows: one value per row for a single output,
 * a record `{ outputName: value }` per row for several. Errors: a missing file or a file
 * onnxruntime cannot load throws here; a row missing an input, of the wrong kind or shape is
 * InvalidParameterError.
 */
export async function loadOnnxModel(dir: string, manifest: ModelManifest): Promise<Predictor> {
  const data = manifest.flavors[ONNX_FLAVOR]?.data ?? 'model.onnx'
  if (typeof data !== 'string') throw new Error(`The onnx flavor's 'data' must name the .onnx file`)
  const file = path.resolve(dir, data)
  if (path.relative(dir, file).startsWith('..')) throw new Error(`The onnx file '${data}' is outside the model directory`)
  if (!(await fsp.stat(file).catch(() => undefined))?.isFile()) throw new Error(`The onnx file '${data}' is missing`)
  const session = await ort.InferenceSession.create(file, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' })
  const inputs = session.inputMetadata.map(inputInfo)
  const outputNames = session.outputNames

  const run = async (rows: unknown[]): Promise<unknown[]> => {
    const feeds: Record<string, ort.Tensor> = {}
    for (const input of inputs) feeds[input.name] = stack(rows, input, inputs.length)
    const result = await session.run(feeds)
    const perOutput = outputNames.map((name) => {
      const t = result[name]
      return splitRows(t.data as ArrayLike<unknown>, t.dims, t.type)
    })
    return rows.map((_, i) =>
      outputNames.length === 1 ? perOutput[0][i] : Object.fromEntries(outputNames.map((name, k) => [name, perOutput[k][i]])),
    )
  }

  return {
    manifest,
    async predict(rows: unknown[]): Promise<unknown[]> {
      if (!Array.isArray(rows)) throw new InvalidParameterError('predict takes an array of inputs (a batch)')
      if (rows.length === 0) return []
      if (inputs.every((i) => i.batched)) return run(rows)
      const out: unknown[] = []
      for (const row of rows) out.push(...(await run([row])))
      return out
    },
    close: () => session.release(),
  }
}

function inputInfo(meta: ort.InferenceSession.ValueMetadata): InputInfo {
  if (!meta.isTensor) throw new Error(`Input '${meta.name}' is not a tensor; the onnx flavor feeds tensors only`)
  const [first, ...rest] = meta.shape
  return {
    name: meta.name,
    dtype: meta.type as Dtype,
    rowShape: rest.every((d) => typeof d === 'number' && d >= 0) ? (rest as number[]) : undefined,
    // The first dimension is the batch, unless the model fixes it at 1: rows then go one at a time.
    batched: first !== 1,
  }
}

/** The rows' values of one input as a tensor of shape [rows, ...rowShape]. */
function stack(rows: unknown[], input: InputInfo, inputCount: number): ort.Tensor {
  const values: Array<number | bigint | boolean | string> = []
  let shape: number[] | undefined
  rows.forEach((row, i) => {
    const what = `Row ${i}, input '${input.name}'`
    const flat = flattenRow(valueOf(row, input.name, inputCount, what), what)
    if (shape && JSON.stringify(shape) !== JSON.stringify(flat.shape)) {
      throw new InvalidParameterError(`${what} has shape [${flat.shape}], unlike the rows before it ([${shape}])`)
    }
    shape = flat.shape
    values.push(...flat.values)
  })
  let rowShape = shape ?? []
  if (input.rowShape) {
    const expected = input.rowShape.reduce((a, b) => a * b, 1)
    const got = rowShape.reduce((a, b) => a * b, 1)
    if (expected !== got) {
      throw new InvalidParameterError(`Input '${input.name}' takes rows of shape [${input.rowShape}] (${expected} values); got [${rowShape}]`)
    }
    // A flat row for a [2, 2] input is fine: same values, the model's layout.
    rowShape = input.rowShape
  }
  return new ort.Tensor(input.dtype, toTensorData(values, input.dtype, `Input '${input.name}'`) as never, [rows.length, ...rowShape])
}

function valueOf(row: unknown, name: string, inputCount: number, what: string): unknown {
  const isRecord = typeof row === 'object' && row !== null && !Array.isArray(row) && !ArrayBuffer.isView(row)
  if (isRecord) {
    if (!(name in row)) throw new InvalidParameterError(`${what} is missing: records must have a '${name}' field`)
    return (row as Record<string, unknown>)[name]
  }
  if (inputCount > 1) throw new InvalidParameterError(`${what}: the model has ${inputCount} inputs, so each row must be a record of them`)
  return row
}
