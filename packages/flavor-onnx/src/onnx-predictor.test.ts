import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { InvalidParameterError } from '@railyard/api'
import { loadModel, parseSignature, readManifest, saveModel, ModelLoadError } from '@railyard/sdk'
import { denseReluModel, sumDiffModel } from './testing/tiny-models.js'

// Hand-computed reference: relu(x · W + b).
const W = [
  [1, -1, 0.5],
  [2, 0, -1],
]
const b = [0.5, 1, -2]
const dense = (x: number[]) => b.map((bj, j) => Math.max(0, x[0] * W[0][j] + x[1] * W[1][j] + bj))

describe('onnx flavor', () => {
  let work: string
  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-onnx-'))
  })
  after(() => fs.rmSync(work, { recursive: true, force: true }))

  function modelDir(name: string, bytes: Uint8Array): string {
    const dir = path.join(work, name)
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(path.join(dir, 'model.onnx'), bytes)
    return dir
  }

  test('a generated MatMul+Add+Relu model predicts what the hand computation says, row by row', async () => {
    const dir = modelDir('dense', denseReluModel(W, b))
    const example = [
      [1, 2],
      [-3, 0.25],
    ]
    const saved = await saveModel(dir, { flavor: 'onnx', inputExample: example })
    assert.deepEqual(saved.flavors.onnx, { data: 'model.onnx', providers: ['CPUExecutionProvider'] })
    // The outputs part of the signature comes from running the model on its example.
    assert.deepEqual(parseSignature(await readManifest(dir)), {
      inputs: [{ type: 'tensor', 'tensor-spec': { dtype: 'float64', shape: [-1, 2] } }],
      outputs: [{ type: 'tensor', 'tensor-spec': { dtype: 'float64', shape: [-1, 3] } }],
    })

    const model = await loadModel(dir)
    try {
      const rows = [[1, 2], [-3, 0.25], [0, 0], new Float32Array([10, -4])]
      const got = (await model.predict(rows)) as number[][]
      assert.equal(got.length, 4)
      got.forEach((row, i) => {
        const expected = dense(Array.from(rows[i] as ArrayLike<number>))
        assert.equal(row.length, 3)
        row.forEach((v, j) => assert.ok(Math.abs(v - expected[j]) < 1e-5, `row ${i}[${j}]: ${v} vs ${expected[j]}`))
      })
      assert.deepEqual(got[0], [5.5, 0, 0]) // 1·1+2·2+0.5, relu(1·-1+0+1), relu(0.5-2-2)
      assert.deepEqual(await model.predict([]), [])
      // A record naming the input works as well as the bare row.
      assert.deepEqual(await model.predict([{ x: [1, 2] }]), [[5.5, 0, 0]])
      await assert.rejects(model.predict([[1, 2, 3]]), InvalidParameterError)
      await assert.rejects(model.predict([[1, 2], [1]]), InvalidParameterError)
      await assert.rejects(model.predict([{ z: [1, 2] }]), /must have a 'x' field/)
      await assert.rejects(model.predict([['a', 'b']]), InvalidParameterError)
    } finally {
      await model.close()
    }
  })

  test('several outputs come back as one record per row; int64 outputs as numbers', async () => {
    const dir = modelDir('dense-argmax', denseReluModel(W, b, { argmax: true }))
    await saveModel(dir, { flavor: 'onnx' })
    const model = await loadModel(dir)
    const got = await model.predict([[1, 2], [-1, 1]])
    assert.deepEqual(got, [
      { y: [5.5, 0, 0], label: 0 },
      { y: dense([-1, 1]), label: dense([-1, 1]).indexOf(Math.max(...dense([-1, 1]))) },
    ])
    await model.close()
  })

  test('a model with several inputs takes records', async () => {
    const dir = modelDir('sum-diff', sumDiffModel(2))
    await saveModel(dir, { flavor: 'onnx' })
    const model = await loadModel(dir)
    assert.deepEqual(await model.predict([{ a: [1, 2], b: [0.5, 4] }, { a: [0, 0], b: [1, 1] }]), [
      { sum: [1.5, 6], diff: [0.5, -2] },
      { sum: [1, 1], diff: [-1, -1] },
    ])
    await assert.rejects(model.predict([[1, 2]]), /2 inputs, so each row must be a record/)
    await model.close()
  })

  test('a corrupt .onnx file is a ModelLoadError naming the directory', async () => {
    const dir = modelDir('corrupt', new Uint8Array([1, 2, 3, 4]))
    await saveModel(dir, { flavor: 'onnx' })
    await assert.rejects(loadModel(dir), (err: Error) => err instanceof ModelLoadError && err.message.includes(dir) && err.message.includes('(onnx)'))
  })
})
