import { test } from 'node:test'
import assert from 'node:assert/strict'
import { InvalidParameterError } from '@railyard/api'
import { formatSignature, inferSchema, inferSignature, parseSignature } from './signature.js'

test('records infer named columns; a key missing or null in some rows is optional', () => {
  assert.deepEqual(
    inferSchema([
      { text: 'a', score: 1, tags: ['x'], ok: true, meta: { lang: 'en' } },
      { text: 'b', score: 2.5, tags: [], ok: false, when: new Date(0), meta: { lang: 'de' } },
    ]),
    [
      { type: 'string', name: 'text', required: true },
      { type: 'double', name: 'score', required: true },
      { type: 'array', items: 'string', name: 'tags', required: true },
      { type: 'boolean', name: 'ok', required: true },
      { type: 'object', properties: { lang: { type: 'string', required: true } }, name: 'meta', required: true },
      { type: 'datetime', name: 'when', required: false },
    ],
  )
})

test('plain values infer one unnamed column; rows of numbers a tensor with a free batch dimension', () => {
  assert.deepEqual(inferSchema(['I love it', 'meh']), [{ type: 'string', required: true }])
  assert.deepEqual(inferSchema([1, 2.5, null]), [{ type: 'double', required: false }])
  assert.deepEqual(inferSchema([[1, 2, 3], [4, 5, 6]]), [{ type: 'tensor', 'tensor-spec': { dtype: 'float64', shape: [-1, 3] } }])
  assert.deepEqual(inferSchema([[[1], [2]], [[3], [4]]]), [{ type: 'tensor', 'tensor-spec': { dtype: 'float64', shape: [-1, 2, 1] } }])
  assert.deepEqual(inferSchema([new Float32Array(4), new Float32Array(4)]), [
    { type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 4] } },
  ])
  assert.deepEqual(inferSchema([Buffer.from('ab')]), [{ type: 'binary', required: true }])
})

test('examples that no schema describes are InvalidParameterError', () => {
  assert.throws(() => inferSchema([]), InvalidParameterError)
  assert.throws(() => inferSchema(['a', 1]), /mix string and double/)
  assert.throws(() => inferSchema([[1, 2], [1, 2, 3]]), /different shapes/)
  assert.throws(() => inferSchema([{ a: null }]), /null in every example/)
  assert.throws(() => inferSchema([() => 1]), /pass a signature/)
  assert.throws(() => inferSchema([new Float32Array(2), new Float64Array(2)]), /mix float32 and float64/)
})

test('signatures are stored as MLflow writes them and parse back', () => {
  const sig = inferSignature([{ text: 'hi' }], ['positive'])
  const stored = formatSignature(sig)
  assert.deepEqual(stored, {
    inputs: '[{"type": "string", "name": "text", "required": true}]',
    outputs: '[{"type": "string", "required": true}]',
    params: null,
  })
  assert.deepEqual(parseSignature({ flavors: {}, signature: stored }), sig)
  assert.equal(parseSignature({ flavors: {} }), undefined)
  assert.throws(() => parseSignature({ flavors: {}, signature: { inputs: '{nope' } }), /not JSON/)
  assert.throws(() => parseSignature({ flavors: {}, signature: { inputs: '{"a": 1}' } }), /JSON list of specs/)
})

test("what MLflow writes parses, newer types included; malformed specs are refused naming the field", () => {
  const parse = (inputs: string, extra: Record<string, string> = {}) => parseSignature({ flavors: {}, signature: { inputs, ...extra } })
  // As MLflow 2.x writes them: array items as a spec, objects, maps, AnyType, tensors, params.
  const mlflow = [
    '[{"type": "array", "items": {"type": "string"}, "name": "tags", "required": true}]',
    '[{"type": "array", "items": {"type": "array", "items": {"type": "double"}}, "name": "m"}]',
    '[{"type": "object", "properties": {"age": {"type": "long", "required": true}, "t": {"type": "array", "items": {"type": "string"}, "required": false}}, "name": "u"}]',
    '[{"type": "map", "values": {"type": "string"}, "name": "attrs"}, {"type": "any", "name": "x", "required": false}]',
    '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 28, 28]}, "name": "image"}]',
    '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": []}}]',
  ]
  for (const inputs of mlflow) assert.deepEqual(parse(inputs)?.inputs, JSON.parse(inputs), inputs)
  assert.deepEqual(parse('[{"type": "double"}]', { params: '[{"name": "k", "type": "long", "default": 3, "shape": null}]' })?.params, [
    { name: 'k', type: 'long', default: 3, shape: null },
  ])

  const refused: Array<[string, string]> = [
    ['[{"type": "array", "name": "tags"}]', "MLmodel signature.inputs[0] ('tags'): an array type has no 'items'"],
    ['[{"type": "array", "items": 3}]', "MLmodel signature.inputs[0].items must be a type name or a spec with a 'type'"],
    ['[{"type": "tensor", "tensor-spec": {"dtype": "float32"}}]', "MLmodel signature.inputs[0]: 'tensor-spec' has no 'shape' list"],
    ['[{"type": "tensor", "tensor-spec": {"shape": [-1]}}]', "MLmodel signature.inputs[0]: 'tensor-spec' has no 'dtype'"],
    ['[{"type": "double", "required": "yes"}]', "MLmodel signature.inputs[0]: 'required' must be true or false"],
    ['[{"type": "object", "properties": {"a": {"type": "array"}}}]', "MLmodel signature.inputs[0].properties.a: an array type has no 'items'"],
  ]
  for (const [inputs, message] of refused) assert.throws(() => parse(inputs), { name: 'InvalidParameterError', message }, inputs)
  assert.throws(() => parse('[{"type": "double"}]', { outputs: '[{"type": "array"}]' }), { message: "MLmodel signature.outputs[0]: an array type has no 'items'" })
  assert.throws(() => parse('[{"type": "double"}]', { params: '[{"type": "long"}]' }), { message: "MLmodel signature.params[0] has no 'name'" })
})
