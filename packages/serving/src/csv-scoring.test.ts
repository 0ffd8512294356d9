import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { saveModel } from '@railyard/sdk'
import { serveModel, type ModelServer } from './serve.js'
import { TINY_EXAMPLE, writeTinyModel } from './testing/tiny-models.js'

interface Answer {
  status: number
  body: any
  version: string | null
}

async function post(url: string, body: BodyInit, contentType = 'text/csv'): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body })
  const text = await res.text()
  return { status: res.status, body: JSON.parse(text), version: res.headers.get('x-railyard-model-version') }
}

describe('text/csv on /invocations, as MLflow takes it (pandas read_csv)', () => {
  let work: string
  // The tiny model: {x: double} → {y: x * 2}.
  let tiny: ModelServer
  // An echo model: a record in, the same record out; its signature is zip: string, n: long, ok: boolean.
  let echo: ModelServer

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-csv-'))
    const tinyDir = writeTinyModel(path.join(work, 'tiny'), { factor: 2 })
    await saveModel(tinyDir, { flavor: 'railyard_js', inputExample: TINY_EXAMPLE, outputExample: [{ y: 1 }, { y: 2 }] })
    const echoDir = path.join(work, 'echo')
    fs.mkdirSync(echoDir)
    fs.writeFileSync(path.join(echoDir, 'predict.mjs'), 'export async function load() { return { predict: async (rows) => rows } }\n')
    await saveModel(echoDir, {
      flavor: 'railyard_js',
      inputExample: [{ zip: '02134', n: 1, ok: true }],
      signature: {
        inputs: [
          { type: 'string', name: 'zip' },
          { type: 'long', name: 'n' },
          { type: 'boolean', name: 'ok', required: false },
        ],
      },
    })
    tiny = await serveModel({ model: tinyDir, port: 0, log: () => undefined })
    echo = await serveModel({ model: echoDir, port: 0, log: () => undefined })
  })

  after(async () => {
    await tiny?.close()
    await echo?.close()
    fs.rmSync(work, { recursive: true, force: true })
  })

  test('a CSV table answers as the same table in dataframe_split does, with the version in the headers', async () => {
    const json = await post(`${tiny.url}/invocations`, JSON.stringify({ dataframe_split: { columns: ['x'], data: [[1], [2.5]] } }), 'application/json')
    assert.deepEqual(json.body, { predictions: [{ y: 2 }, { y: 5 }] })
    const bodies: Array<[string, string]> = [
      ['text/csv', 'x\n1\n2.5\n'],
      ['text/csv; charset=utf-8', 'x\r\n1\r\n2.5'],
      ['Text/CSV; charset="UTF-8"', '\ufeff"x",other\n"1","a, ""b"""\n2.5,"two\nlines"\n'],
    ]
    for (const [type, body] of bodies) {
      const res = await post(`${tiny.url}/invocations`, body, type)
      assert.deepEqual([res.status, res.body, res.version], [200, json.body, 'local'], `${type}: ${JSON.stringify(body)}`)
    }
    // A byte-order mark as bytes, as Excel writes "CSV UTF-8".
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('x\n3\n')])
    assert.deepEqual((await post(`${tiny.url}/invocations`, bytes)).body, { predictions: [{ y: 6 }] })
    // A header and no rows: no inputs, no predictions.
    assert.deepEqual(await post(`${tiny.url}/invocations`, 'x\n'), { status: 200, body: { predictions: [] }, version: 'local' })
  })

  test("the model's signature types its columns (MLflow reads CSV with the schema's types); others are inferred", async () => {
    const res = await post(`${echo.url}/invocations`, 'zip,n,ok,extra,note\n02134,5,True,007,"a, b"\n10001,-2,,1.5,NA\n')
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body.predictions, [
      { zip: '02134', n: 5, ok: true, extra: 7, note: 'a, b' },
      { zip: '10001', n: -2, ok: null, extra: 1.5, note: null },
    ])
  })

  test('inputs the signature refuses are 400s naming the CSV line', async () => {
    const cases: Array<[string, RegExp]> = [
      ['zip,n\n1,2\n\n3,four\n', /^CSV line 4: column 'n' must be a whole number; got a string \("four"\)$/],
      ['zip,n\n1,2.5\n', /^CSV line 2: column 'n' must be a whole number; got a number \(2\.5\)$/],
      ['zip,n\n"multi\nline",1\n,2\n', /^CSV line 4: column 'zip' is empty \(null\), but the model requires a value$/],
      ['zip\n1\n', /^CSV line 2 lacks the required column 'n'$/],
    ]
    for (const [body, pattern] of cases) {
      const res = await post(`${echo.url}/invocations`, body)
      assert.equal(res.status, 400, JSON.stringify(body))
      assert.equal(res.body.error_code, 'BAD_REQUEST')
      assert.match(res.body.message, pattern)
    }
  })

  test('malformed CSV, another charset and bytes that are not UTF-8 are 400s naming the problem; the server keeps serving', async () => {
    const cases: Array<[BodyInit, string, RegExp]> = [
      ['x,z\n1,2\n3\n', 'text/csv', /^CSV line 3 has 1 field, but the header \(line 1\) names 2 columns$/],
      ['x\n1\n"2\n', 'text/csv', /^CSV line 3: a quoted field starts there and is never closed/],
      ['x\n"1"2\n', 'text/csv', /^CSV line 2: field 1 has text after its closing quote/],
      ['x,x\n1,2\n', 'text/csv', /names the column 'x' twice/],
      ['', 'text/csv', /^The CSV body is empty/],
      ['x\n1\n', 'text/csv; charset=iso-8859-1', /^CSV bodies must be UTF-8; got charset=iso-8859-1$/],
      [Buffer.from('x\ncaf\xe9\n', 'latin1'), 'text/csv', /^The CSV body is not valid UTF-8 text/],
    ]
    for (const [body, type, pattern] of cases) {
      const res = await post(`${tiny.url}/invocations`, body, type)
      assert.equal(res.status, 400, `${type} ${JSON.stringify(String(body))}: ${JSON.stringify(res.body)}`)
      assert.equal(res.body.error_code, 'BAD_REQUEST')
      assert.match(res.body.message, pattern)
    }
    const predict = await post(`${tiny.url}/predict`, 'x\n1\n')
    assert.equal(predict.status, 400)
    assert.match(predict.body.message, /POST \/predict takes a JSON list of inputs; send CSV to POST \/invocations/)
    assert.deepEqual((await post(`${tiny.url}/invocations`, 'x\n1\n')).body, { predictions: [{ y: 2 }] })
  })

  test('a body sent to a path we do not serve is a 404 (or 405) about the path, not about its Content-Type', async () => {
    const typo = await post(`${tiny.url}/invocation`, 'x\n1\n')
    assert.deepEqual([typo.status, typo.body.error_code], [404, 'ENDPOINT_NOT_FOUND'])
    assert.match(typo.body.message, /^No endpoint POST \/invocation; this server answers POST \/invocations/)
    const notJson = await post(`${tiny.url}/nope?q=1`, '{"inputs": [1,', 'application/json')
    assert.deepEqual([notJson.status, notJson.body.error_code], [404, 'ENDPOINT_NOT_FOUND'])
    const ping = await post(`${tiny.url}/ping`, 'x\n1\n')
    assert.deepEqual([ping.status, ping.body.message], [405, 'POST /ping is not allowed; use GET /ping'])
  })

  test('the body limit holds for CSV as for JSON (413)', async () => {
    const big = `x\n${'1\n'.repeat(17 * 1024 * 1024)}`
    const res = await post(`${tiny.url}/invocations`, big)
    assert.equal(res.status, 413)
    assert.equal(res.body.error_code, 'BAD_REQUEST')
  })
})
