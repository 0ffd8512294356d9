import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { createTestApp, type TestApp } from '@railyard/server/testing/test-app.js'
import { logModel, RailyardClient, registryOf, saveModel, startRun } from '@railyard/sdk'
import { serveModel } from './serve.js'

// Answers, per input, how many own columns it has (so any input the check lets through is a 200).
const COUNTS_COLUMNS = `export const load = () => ({
  predict: (rows) => rows.map((r) => (r !== null && typeof r === 'object' ? Object.keys(r).length : 1)),
})
`

async function send(url: string, body: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  return { status: res.status, body: await res.json() }
}

describe('a model whose signature cannot be used is refused when it loads, never with a 500 per request', () => {
  let tracking: TestApp
  let client: RailyardClient
  let work: string

  before(async () => {
    tracking = await createTestApp('sqlite')
    await tracking.app.listen({ host: '127.0.0.1', port: 0 })
    const { port } = tracking.app.server.address() as AddressInfo
    client = new RailyardClient({ trackingUri: `http://127.0.0.1:${port}`, retries: { retries: 1, baseDelayMs: 10 } })
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-bad-signature-'))
  })

  after(async () => {
    await tracking?.dispose()
    fs.rmSync(work, { recursive: true, force: true })
  })

  /** A railyard_js model whose MLmodel stores `inputs` (JSON text) as its input signature. */
  async function modelWith(name: string, inputs: string): Promise<string> {
    const dir = path.join(work, name)
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(path.join(dir, 'predict.mjs'), COUNTS_COLUMNS)
    await saveModel(dir, { flavor: 'railyard_js', signature: { inputs } })
    return dir
  }

  test('each malformed spec is named in the failure, and the server does not start', async () => {
    const cases: Array<[string, string]> = [
      ['[{"type": "array", "name": "tags"}]', "signature.inputs[0] ('tags'): an array type has no 'items'"],
      ['[{"type": "array", "name": "tags", "items": {"type": "array"}}]', "signature.inputs[0] ('tags').items: an array type has no 'items'"],
      ['[{"type": "tensor", "tensor-spec": {"dtype": "float32"}}]', "signature.inputs[0]: 'tensor-spec' has no 'shape' list"],
      ['[{"type": "tensor"}]', "signature.inputs[0]: a tensor needs a 'tensor-spec' mapping with 'dtype' and 'shape'"],
      ['[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, "4"]}}]', `signature.inputs[0]: 'tensor-spec' shape [-1,"4"] must list whole numbers (-1 for a free dimension)`],
      ['[{"type": "object", "name": "user", "properties": [1]}]', "signature.inputs[0] ('user'): an object type needs a 'properties' mapping"],
      ['[{"type": "object", "name": "user", "properties": {"age": {"required": true}}}]', "signature.inputs[0] ('user').properties.age must be a spec with a 'type'"],
      ['[{"name": "x"}]', `signature.inputs[0] must be a spec with a 'type'; got {"name":"x"}`],
      ['[{"type": "double", "name": 7}]', "signature.inputs[0]: 'name' must be a string"],
      ['[{"type": "double", "name": "x"}, {"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}}]', 'signature.inputs mixes tensors and columns; a schema is all one or the other'],
      ['{"type": "double"}', "signature.inputs must be a JSON list of specs with a 'type'"],
      ['[{"type": "double"', 'signature.inputs is not JSON: [{"type": "double"'],
    ]
    for (const [i, [inputs, problem]] of cases.entries()) {
      const dir = await modelWith(`bad-${i}`, inputs)
      await assert.rejects(serveModel({ model: dir, port: 0, client, log: () => undefined }), (err: Error) => {
        assert.equal(err.message, `the model at ${dir} failed to load: MLmodel ${problem}`, inputs)
        return true
      })
    }
  })

  test('a followed alias moved to such a version keeps serving the old one and reports why', async () => {
    const register = async (dir: string) => {
      const run = await startRun({ client, experimentName: 'bad-signature' })
      const logged = await logModel(run, dir, { registeredModelName: 'sig' })
      await run.end()
      return logged.modelVersion!.version
    }
    const good = await register(await modelWith('good', '[{"type": "double", "name": "x", "required": true}]'))
    const bad = await register(await modelWith('no-items', '[{"type": "array", "name": "tags"}]'))
    const registry = registryOf(client)
    await registry.setAlias('sig', 'prod', good)
    const logs: string[] = []
    const server = await serveModel({ model: 'models:/sig@prod', port: 0, client, cacheDir: path.join(work, 'cache'), pollIntervalMs: 50, log: (l, m) => logs.push(`${l}: ${m}`) })
    try {
      await registry.setAlias('sig', 'prod', bad)
      for (let waited = 0; !logs.some((l) => l.startsWith('error:')); waited += 25) {
        assert.ok(waited < 10_000, 'the failed swap was never reported')
        await new Promise((r) => setTimeout(r, 25))
      }
      const health = await (await fetch(`${server.url}/health`)).json()
      assert.equal(health.model.version, good)
      assert.equal(health.last_swap_error.message, `sig version ${bad} failed to load: MLmodel signature.inputs[0] ('tags'): an array type has no 'items'`)
      assert.equal(health.last_swap_error.transient, false)
      const res = await send(`${server.url}/invocations`, '{"inputs": [{"x": 1}]}')
      assert.deepEqual([res.status, res.body], [200, { predictions: [1] }])
    } finally {
      await server.close()
    }
  })

  test('columns named like Object.prototype members are columns like any other', async () => {
    const dir = await modelWith(
      'proto-names',
      '[{"type": "double", "name": "constructor"}, {"type": "string", "name": "toString"}, {"type": "double", "name": "__proto__"}, ' +
        '{"type": "object", "name": "o", "required": false, "properties": {"hasOwnProperty": {"type": "long", "required": true}}}]',
    )
    const server = await serveModel({ model: dir, port: 0, client, log: () => undefined })
    try {
      const url = `${server.url}/invocations`
      const all = '{"constructor": 1.5, "toString": "s", "__proto__": 2}'
      const cases: Array<[string, number, string | unknown[]]> = [
        ['{"inputs": [{}]}', 400, "Input 0 lacks the required column 'constructor'"],
        ['{"inputs": [{"constructor": 1}]}', 400, "Input 0 lacks the required column 'toString'"],
        ['{"inputs": [{"constructor": 1, "toString": "s"}]}', 400, "Input 0 lacks the required column '__proto__'"],
        ['{"inputs": [{"constructor": 1, "toString": 2, "__proto__": 3}]}', 400, "Input 0: column 'toString' must be a string; got a number (2)"],
        [`{"inputs": [${all}]}`, 200, [3]],
        ['{"dataframe_split": {"columns": ["constructor", "toString", "__proto__"], "data": [[1, "s", 2]]}}', 200, [3]],
        [`{"inputs": [{"constructor": 1.5, "toString": "s", "__proto__": 2, "o": {}}]}`, 400, "Input 0: column 'o' lacks the required property 'hasOwnProperty'"],
        [`{"inputs": [{"constructor": 1.5, "toString": "s", "__proto__": 2, "o": {"hasOwnProperty": 4}}]}`, 200, [4]],
      ]
      for (const [body, status, expected] of cases) {
        const res = await send(url, body)
        assert.equal(res.status, status, `${body}: ${JSON.stringify(res.body)}`)
        if (status === 200) assert.deepEqual(res.body.predictions, expected, body)
        else assert.deepEqual(res.body, { error_code: 'BAD_REQUEST', message: expected }, body)
      }
    } finally {
      await server.close()
    }
  })
})
