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
