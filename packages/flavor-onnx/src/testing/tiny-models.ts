import onnxProto from 'onnx-proto'

const { onnx } = onnxProto
const FLOAT = onnx.TensorProto.DataType.FLOAT
const INT64 = onnx.TensorProto.DataType.INT64

/** A float tensor value-info with a symbolic batch dimension followed by fixed ones. */
function batchedInput(name: string, elemType: number, ...dims: number[]) {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: [{ dimParam: 'batch' }, ...dims.map((d) => ({ dimValue: d }))] } } },
  }
}

function floatInitializer(name: string, dims: number[], values: number[]) {
  return { name, dims, dataType: FLOAT, floatData: values }
}

function encode(graph: object): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'railyard-tests',
    graph,
  })
  return onnx.ModelProto.encode(model).finish()
}

/**
 * `y = relu(x · W + b)` for x of shape [batch, K], W of shape [K, M] (given as K rows), b of
 * length M; with `argmax`, a second output `label` = argmax(y) per row (int64).
 */
export function denseReluModel(W: number[][], b: number[], opts: { argmax?: boolean } = {}): Uint8Array {
  const K = W.length
  const M = b.length
  const nodes = [
    { opType: 'MatMul', input: ['x', 'W'], output: ['xw'] },
    { opType: 'Add', input: ['xw', 'b'], output: ['z'] },
    { opType: 'Relu', input: ['z'], output: ['y'] },
  ]
  const outputs = [batchedInput('y', FLOAT, M)]
  if (opts.argmax) {
    nodes.push({
      opType: 'ArgMax',
      input: ['y'],
      output: ['label'],
      attribute: [
        { name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 },
        { name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 },
      ],
    } as (typeof nodes)[number])
    outputs.push(batchedInput('label', INT64))
  }
  return encode({
    name: 'dense_relu',
    node: nodes,
    initializer: [floatInitializer('W', [K, M], W.flat()), floatInitializer('b', [M], b)],
    input: [batchedInput('x', FLOAT, K)],
    output: outputs,
  })
}

/** Two inputs `a` and `b` (float, [batch, n]) → `sum` = a + b and `diff` = a − b. */
export function sumDiffModel(n: number): Uint8Array {
  return encode({
    name: 'sum_diff',
    node: [
      { opType: 'Add', input: ['a', 'b'], output: ['sum'] },
      { opType: 'Sub', input: ['a', 'b'], output: ['diff'] },
    ],
    input: [batchedInput('a', FLOAT, n), batchedInput('b', FLOAT, n)],
    output: [batchedInput('sum', FLOAT, n), batchedInput('diff', FLOAT, n)],
  })
}
