import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { inputsOfInvocation, inputsOfPredictList } from './scoring-input.js'

function rejects(body: unknown, pattern: RegExp) {
  assert.throws(
    () => inputsOfInvocation(body),
    (err: any) => err.code === 'BAD_REQUEST' && err.status === 400 && pattern.test(err.message),
  )
}

describe('MLflow scoring protocol', () => {
  test('dataframe_split rows become records; one unnamed column gives plain values', () => {
    assert.deepEqual(inputsOfInvocation({ dataframe_split: { columns: ['a', 'b'], data: [[1, 'x'], [2, 'y']] } }), [
      { a: 1, b: 'x' },
      { a: 2, b: 'y' },
    ])
    assert.deepEqual(inputsOfInvocation({ dataframe_split: { columns: [0], data: [['hi'], ['yo']] } }), ['hi', 'yo'])
    assert.deepEqual(inputsOfInvocation({ dataframe_split: { index: [0], columns: ['t'], data: [['hi']] } }), [{ t: 'hi' }])
    assert.deepEqual(inputsOfInvocation({ dataframe_split: { columns: ['a'], data: [] } }), [])
  })

  test('a dataframe_split column named __proto__ is a column, not the prototype of the record', () => {
    const [record] = inputsOfInvocation(JSON.parse('{"dataframe_split": {"columns": ["__proto__", "b"], "data": [[{"x": 13}, 2]]}}')) as object[]
    assert.deepEqual(Object.keys(record), ['__proto__', 'b'])
    assert.equal(Object.getPrototypeOf(record), Object.prototype)
    assert.equal((record as { x?: unknown }).x, undefined)
  })

  test('dataframe_records, instances and inputs (rows or columns); params are accepted beside them', () => {
    assert.deepEqual(inputsOfInvocation({ dataframe_records: [{ a: 1 }, { a: 2 }] }), [{ a: 1 }, { a: 2 }])
    assert.deepEqual(inputsOfInvocation({ instances: [[1, 2], [3, 4]] }), [[1, 2], [3, 4]])
    assert.deepEqual(inputsOfInvocation({ inputs: ['a', 'b'], params: { k: 1 } }), ['a', 'b'])
    assert.deepEqual(inputsOfInvocation({ inputs: { a: [1, 2], b: ['x', 'y'] } }), [
      { a: 1, b: 'x' },
      { a: 2, b: 'y' },
    ])
  })

  test('malformed bodies are BAD_REQUEST naming the problem', () => {
    rejects([1, 2], /exactly one of the fields dataframe_split, dataframe_records, instances, inputs.*got a list/)
    rejects({}, /it has no fields/)
    rejects({ instances: [1], inputs: [1] }, /it has 'instances', 'inputs'/)
    rejects({ dataframe: [] }, /it has 'dataframe'/)
    rejects({ dataframe_split: { columns: ['a', 'b'], data: [[1, 2], [3]] } }, /data\[1\] has 1 value but there are 2 columns/)
    rejects({ dataframe_split: { columns: ['a'], data: 'x' } }, /dataframe_split.data must be a list of rows/)
    rejects({ dataframe_split: { columns: ['a', 'a'], data: [[1, 2]] } }, /has a name twice/)
    rejects({ dataframe_split: [[1]] }, /dataframe_split must be an object/)
    rejects({ dataframe_split: { columns: ['a'], data: [5] } }, /data\[0\] must be a list of values; got a number/)
    rejects({ dataframe_records: [{ a: 1 }, 3] }, /dataframe_records\[1\] must be an object/)
    rejects({ instances: { a: 1 } }, /instances must be a list/)
    rejects({ inputs: { a: [1, 2], b: [1] } }, /'a' has 2 values, 'b' has 1/)
    rejects({ inputs: 'text' }, /inputs must be a list.*got a string \("text"\)/)
  })

  test('/predict takes a plain list', () => {
    assert.deepEqual(inputsOfPredictList([1, 'a', { b: 2 }]), [1, 'a', { b: 2 }])
    assert.throws(() => inputsOfPredictList({ inputs: [1] }), /takes a JSON list of inputs; got an object/)
  })
})
