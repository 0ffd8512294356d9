import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadModel, saveModel } from '@railyard/sdk'
import { ModelSlot } from './model-slot.js'
import type { VersionTarget } from './served-version.js'
import { TINY_EXAMPLE, writeTinyModel, type TinyModelSpec } from './testing/tiny-models.js'

describe('ModelSlot: the swap itself, on local model directories', () => {
  let work: string
  let closeLog: string
  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-slot-'))
    closeLog = path.join(work, 'closed.log')
  })
  after(() => fs.rmSync(work, { recursive: true, force: true }))

  async function model(version: string, spec: TinyModelSpec): Promise<VersionTarget> {
    const dir = writeTinyModel(path.join(work, `v${version}`), { closeLog, ...spec })
    await saveModel(dir, { flavor: 'railyard_js', inputExample: TINY_EXAMPLE, outputExample: [{ y: 1 }, { y: 2 }] })
    return { loadUri: dir, uri: dir, name: 'tiny', version, datasets: [] }
  }

  const closes = () => (fs.existsSync(closeLog) ? fs.readFileSync(closeLog, 'utf8').trim().split('\n') : [])

  test('a request in flight finishes on the old version, which is closed only after it', async () => {
    const slot = new ModelSlot({ load: (t) => loadModel(t.loadUri) })
    await slot.swapTo(await model('1', { factor: 2, delayMs: 300 }))
    const old = slot.acquire()
    const inFlight = old.predict([{ x: 1 }]).finally(() => old.release())

    await slot.swapTo(await model('2', { factor: 3 }))
    const next = slot.acquire()
    assert.equal(next.target.version, '2')
    assert.deepEqual(await next.predict([{ x: 1 }]), [{ y: 3 }])
    next.release()
    assert.deepEqual(closes(), [], 'the old version is still in use')

    assert.deepEqual(await inFlight, [{ y: 2 }])
    await new Promise((r) => setImmediate(r))
    assert.deepEqual(closes(), ['closed 2 0'], 'closed once its last request was done, with nothing running in it')
    assert.equal(slot.swaps, 2)
    await slot.close()
    assert.deepEqual(closes(), ['closed 2 0', 'closed 3 0'])
  })

  test('a version that fails to load or fails its check is not kept, and the current one stays', async () => {
    const slot = new ModelSlot({ load: (t) => loadModel(t.loadUri) })
    await slot.swapTo(await model('5', { factor: 5 }))
    await assert.rejects(slot.swapTo(await model('6', { factor: 6, throwOnLoad: true })), (err: any) => err.name === 'SwapFailure' && /failed to load/.test(err.message) && !err.transient)
    await assert.rejects(slot.swapTo(await model('7', { factor: 7, breakExample: true })), /the model at .*v7 failed its check/)
    assert.equal(slot.current?.target.version, '5')
    assert.ok(closes().includes('closed 7 0'), 'the version that failed its check was closed')
    await slot.close()
  })

  test('a load that hangs fails after the load timeout', async () => {
    const slot = new ModelSlot({ load: () => new Promise(() => undefined), loadTimeoutMs: 50 })
    await assert.rejects(slot.prepare(await model('8', { factor: 8 })), /failed to load: loading took longer than 50 ms/)
    assert.equal(slot.current, undefined)
    assert.throws(() => slot.acquire(), (err: any) => err.status === 503)
  })
})
