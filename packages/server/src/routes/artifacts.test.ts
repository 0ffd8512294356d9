import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { DIALECTS } from '../testing/databases.js'
import { createTestApp, type TestApp } from '../testing/test-app.js'
import { mlflow } from '../testing/http.js'

const PROXY = '/api/2.0/mlflow-artifacts/artifacts'

interface RawResponse {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
  json: any
}

/** One request with the path sent byte for byte (no URL normalisation), as an attacker would. */
function raw(baseUrl: string, method: string, rawPath: string, body?: Buffer, headers: Record<string, string> = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl)
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method, path: rawPath, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => {
        const buf = Buffer.concat(chunks)
        let json: unknown
        try {
          json = JSON.parse(buf.toString())
        } catch {
          json = undefined
        }
        resolve({ status: res.statusCode!, headers: res.headers, body: buf, json })
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

/** Every file under `dir` with the sha256 of its bytes, so any change shows. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const rel of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const full = path.join(dir, rel)
    out[rel] = fs.statSync(full).isDirectory() ? 'dir' : sha256(fs.readFileSync(full))
  }
  return out
}

for (const dialect of DIALECTS) {
  describe(`artifacts API (${dialect})`, () => {
    let t: TestApp
    let api: ReturnType<typeof mlflow>
    let url: string
    let runId: string
    let artifactUri: string
    /** The run's artifact folder relative to the proxy root: `<exp>/<run>/artifacts`. */
    let base: string
    const put = (p: string, body: Buffer, contentType = 'application/octet-stream') =>
      raw(url, 'PUT', `${PROXY}/${p}`, body, { 'content-type': contentType })

    before(async () => {
      t = await createTestApp(dialect)
      api = mlflow(t.app)
      url = await t.app.listen({ host: '127.0.0.1', port: 0 })
      const { body } = await api('POST', '/runs/create', { experiment_id: '0' })
      runId = body.run.info.run_id
      artifactUri = body.run.info.artifact_uri
      assert.equal(artifactUri, `mlflow-artifacts:/0/${runId}/artifacts`)
      base = `0/${runId}/artifacts`
    })
    after(() => t.dispose())

    test('PUT stores the raw body, whatever its content type; GET returns the same bytes', async () => {
      const bin = randomBytes(4096)
      const res = await put(`${base}/data/weights.bin`, bin)
      assert.equal(res.status, 200)
      assert.deepEqual(res.json, {})
      // MLflow sends a .json file as application/json: it is stored, not parsed.
      const notJson = Buffer.from('{"broken": ')
      assert.equal((await put(`${base}/config.json`, notJson, 'application/json')).status, 200)
      assert.equal((await raw(url, 'PUT', `${PROXY}/${base}/empty.txt`)).status, 200)

      const got = await raw(url, 'GET', `${PROXY}/${base}/data/weights.bin`)
      assert.equal(got.status, 200)
      assert.deepEqual(got.body, bin)
      assert.equal(got.headers['content-type'], 'application/octet-stream')
      assert.equal(got.headers['content-disposition'], `attachment; filename="weights.bin"; filename*=UTF-8''weights.bin`)
      assert.equal(got.headers['x-content-type-options'], 'nosniff')
      const json = await raw(url, 'GET', `${PROXY}/${base}/config.json`)
      assert.deepEqual(json.body, notJson)
      assert.equal(json.headers['content-type'], 'text/plain')
      const empty = await raw(url, 'GET', `${PROXY}/${base}/empty.txt`)
      assert.equal(empty.status, 200)
      assert.equal(empty.body.length, 0)
      assert.deepEqual(fs.readFileSync(path.join(t.artifactsDir, base, 'data/weights.bin')), bin)
    })

    test('a multi-MB file and nested paths round-trip byte for byte', async () => {
      const big = randomBytes(9 * 1024 * 1024 + 17)
      assert.equal((await put(`${base}/model/nested/deep/model.pkl`, big)).status, 200)
      const got = await raw(url, 'GET', `${PROXY}/${base}/model/nested/deep/model.pkl`)
      assert.equal(got.status, 200)
      assert.equal(got.body.length, big.length)
      assert.equal(sha256(got.body), sha256(big))
      const viaAjax = await raw(url, 'GET', `/ajax-api/2.0/mlflow-artifacts/artifacts/${base}/model/nested/deep/model.pkl`)
      assert.equal(sha256(viaAjax.body), sha256(big))
    })

    test('uploading again replaces the file', async () => {
      await put(`${base}/replace.txt`, Buffer.from('first version'))
      await put(`${base}/replace.txt`, Buffer.from('second'))
      assert.equal((await raw(url, 'GET', `${PROXY}/${base}/replace.txt`)).body.toString(), 'second')
      await raw(url, 'DELETE', `${PROXY}/${base}/replace.txt`)
    })

    test('proxy listing: MLflow shape, names relative to the listed folder, folders without size', async () => {
      await put(`${base}/list-me/a.txt`, Buffer.from('aaa'))
      await put(`${base}/list-me/sub/b.csv`, Buffer.from('b,b'))
      await put(`${base}/list-me/sub/deeper/c.bin`, Buffer.from('c'))
      await put(`${base}/list-me/z-last.txt`, Buffer.from('zz'))
      const root = await raw(url, 'GET', `${PROXY}?path=${encodeURIComponent(`${base}/list-me`)}`)
      assert.equal(root.status, 200)
      assert.deepEqual(root.json, {
        files: [
          { path: 'a.txt', is_dir: false, file_size: 3 },
          { path: 'sub', is_dir: true },
          { path: 'z-last.txt', is_dir: false, file_size: 2 },
        ],
      })
      const sub = await raw(url, 'GET', `${PROXY}?path=${encodeURIComponent(`${base}/list-me/sub/`)}`)
      assert.deepEqual(sub.json, { files: [{ path: 'b.csv', is_dir: false, file_size: 3 }, { path: 'deeper', is_dir: true }] })
      const top = await raw(url, 'GET', PROXY)
      assert.deepEqual(top.json, { files: [{ path: '0', is_dir: true }] })
      // A missing folder, or a file, lists as empty: MLflow answers {} for both.
      assert.deepEqual((await raw(url, 'GET', `${PROXY}?path=${base}/nothing-here`)).json, {})
      assert.deepEqual((await raw(url, 'GET', `${PROXY}?path=${base}/list-me/a.txt`)).json, {})
    })

    test('tracking artifacts/list: root_uri and paths relative to the run root', async () => {
      await put(`${base}/tl/model/MLmodel`, Buffer.from('flavors: {}'))
      await put(`${base}/tl/metrics.json`, Buffer.from('{}'))
      const { body: runBody } = await api('POST', '/runs/create', { experiment_id: '0' })
      const other = runBody.run.info
      await put(`0/${other.run_id}/artifacts/model/MLmodel`, Buffer.from('m'))
      await put(`0/${other.run_id}/artifacts/readme.md`, Buffer.from('# hi'))

      const top = await api('GET', '/artifacts/list', { run_id: other.run_id })
      assert.equal(top.status, 200)
      assert.deepEqual(top.body, {
        root_uri: other.artifact_uri,
        files: [
          { path: 'model', is_dir: true },
          { path: 'readme.md', is_dir: false, file_size: 4 },
        ],
      })
      const inModel = await api('GET', '/artifacts/list', { run_uuid: other.run_id, path: 'model' })
      assert.deepEqual(inModel.body, { root_uri: other.artifact_uri, files: [{ path: 'model/MLmodel', is_dir: false, file_size: 1 }] })
      const nested = await api('GET', '/artifacts/list', { run_id: runId, path: 'tl' })
      assert.deepEqual(nested.body.files, [
        { path: 'tl/metrics.json', is_dir: false, file_size: 2 },
        { path: 'tl/model', is_dir: true },
      ])
      const empty = await api('POST', '/runs/create', { experiment_id: '0' })
      assert.deepEqual((await api('GET', '/artifacts/list', { run_id: empty.body.run.info.run_id })).body, {
        root_uri: empty.body.run.info.artifact_uri,
      })
      const ajax = await raw(url, 'GET', `/ajax-api/2.0/mlflow/artifacts/list?run_id=${other.run_id}&path=model`)
      assert.deepEqual(ajax.json, inModel.body)
      const missingRun = await api('GET', '/artifacts/list', { run_id: 'f'.repeat(32) })
      assert.equal(missingRun.status, 404)
      assert.equal(missingRun.body.error_code, 'RESOURCE_DOES_NOT_EXIST')
    })

    test("the UI's get-artifact serves a run's file by run_uuid and relative path", async () => {
      await put(`${base}/plots/loss%20curve.png`, Buffer.from('PNGDATA'))
      const got = await raw(url, 'GET', `/get-artifact?path=${encodeURIComponent('plots/loss curve.png')}&run_uuid=${runId}`)
      assert.equal(got.status, 200)
      assert.equal(got.body.toString(), 'PNGDATA')
      assert.equal(got.headers['content-type'], 'image/png')
      assert.equal(got.headers['content-disposition'], `attachment; filename="loss curve.png"; filename*=UTF-8''loss%20curve.png`)
      const missing = await raw(url, 'GET', `/get-artifact?path=plots/none.png&run_uuid=${runId}`)
      assert.equal(missing.status, 404)
      assert.equal(missing.json.error_code, 'RESOURCE_DOES_NOT_EXIST')
      const noPath = await raw(url, 'GET', `/get-artifact?run_uuid=${runId}`)
      assert.equal(noPath.status, 400)
      assert.equal(noPath.json.error_code, 'INVALID_PARAMETER_VALUE')
    })

    test('missing files and folders are 404 RESOURCE_DOES_NOT_EXIST', async () => {
      await put(`${base}/dir-only/inner.txt`, Buffer.from('i'))
      for (const p of [`${base}/no-such-file.txt`, `${base}/dir-only`, `${base}/dir-only/inner.txt/more`, '999/nope']) {
        const res = await raw(url, 'GET', `${PROXY}/${p}`)
        assert.equal(res.status, 404, p)
        assert.deepEqual(Object.keys(res.json).sort(), ['error_code', 'message'])
        assert.equal(res.json.error_code, 'RESOURCE_DOES_NOT_EXIST')
      }
    })

    test('DELETE removes a file, or a folder with everything in it; deleting nothing is fine', async () => {
      await put(`${base}/del/keep.txt`, Buffer.from('k'))
      await put(`${base}/del/gone.txt`, Buffer.from('g'))
      await put(`${base}/del/folder/a`, Buffer.from('a'))
      await put(`${base}/del/folder/b/c`, Buffer.from('c'))
      const res = await raw(url, 'DELETE', `${PROXY}/${base}/del/gone.txt`)
      assert.equal(res.status, 200)
      assert.deepEqual(res.json, {})
      assert.equal((await raw(url, 'GET', `${PROXY}/${base}/del/gone.txt`)).status, 404)
      assert.equal((await raw(url, 'DELETE', `${PROXY}/${base}/del/folder`)).status, 200)
      assert.deepEqual((await raw(url, 'GET', `${PROXY}?path=${base}/del`)).json, {
        files: [{ path: 'keep.txt', is_dir: false, file_size: 1 }],
      })
      assert.equal(fs.existsSync(path.join(t.artifactsDir, base, 'del/folder')), false)
      assert.equal((await raw(url, 'DELETE', `${PROXY}/${base}/del/never-was`)).status, 200)
    })

    test('every escaping path is 400 INVALID_PARAMETER_VALUE and changes nothing, inside or outside the root', async () => {
      await put(`${base}/victim.txt`, Buffer.from('precious'))
      const outsideName = `railyard-escape-${randomBytes(4).toString('hex')}`
      const before = snapshot(t.artifactsDir)
      const escapes = [
        `../${outsideName}`,
        `%2e%2e/${outsideName}`,
        `%2E%2E%2F${outsideName}`,
        `..%2f${outsideName}`,
        `%252e%252e/${outsideName}`,
        `/etc/passwd`,
        `%2Fetc%2Fpasswd`,
        `a/../../${outsideName}`,
        `${base}/../../../../${outsideName}`,
        `${base}/x/../victim.txt`,
        `${base}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/${outsideName}`,
        `..\\${outsideName}`,
        `a%5c..%5c..%5c${outsideName}`,
        `${base}/victim.txt%00.png`,
        `./${base}/victim.txt`,
      ]
      for (const p of escapes) {
        for (const method of ['PUT', 'GET', 'DELETE']) {
          const res = await raw(url, method, `${PROXY}/${p}`, method === 'PUT' ? Buffer.from('evil') : undefined)
          assert.equal(res.status, 400, `${method} ${p}: ${res.body}`)
          assert.equal(res.json.error_code, 'INVALID_PARAMETER_VALUE', `${method} ${p}`)
        }
        const query = encodeURIComponent(decodeURIComponentSafe(p))
        for (const listing of [`${PROXY}?path=${query}`, `/api/2.0/mlflow/artifacts/list?run_id=${runId}&path=${query}`, `/get-artifact?run_uuid=${runId}&path=${query}`]) {
          const res = await raw(url, 'GET', listing)
          assert.equal(res.status, 400, `${listing}: ${res.body}`)
          assert.equal(res.json.error_code, 'INVALID_PARAMETER_VALUE', listing)
        }
      }
      assert.deepEqual(snapshot(t.artifactsDir), before)
      assert.equal(fs.readFileSync(path.join(t.artifactsDir, base, 'victim.txt'), 'utf8'), 'precious')
      for (const dir of [path.dirname(t.artifactsDir), '/', '/etc']) {
        assert.equal(fs.existsSync(path.join(dir, outsideName)), false, `nothing written in ${dir}`)
      }
    })

    test("Railyard's internal object storage is not reachable through the proxy", async () => {
      const objects = path.join(t.artifactsDir, 'objects')
      fs.mkdirSync(path.join(objects, 'sha256/ab'), { recursive: true })
      fs.writeFileSync(path.join(objects, 'sha256/ab/cdef'), 'registered model bytes')
      for (const [method, p] of [['PUT', 'objects/sha256/ab/cdef'], ['GET', 'objects/sha256/ab/cdef'], ['DELETE', 'objects'], ['DELETE', 'objects/sha256']] as const) {
        const res = await raw(url, method, `${PROXY}/${p}`, method === 'PUT' ? Buffer.from('overwrite') : undefined)
        assert.equal(res.status, 400, `${method} ${p}`)
        assert.equal(res.json.error_code, 'INVALID_PARAMETER_VALUE')
      }
      assert.equal((await raw(url, 'GET', `${PROXY}?path=objects`)).status, 400)
      const root = await raw(url, 'GET', PROXY)
      assert.ok(!root.json.files.some((f: { path: string }) => f.path === 'objects'))
      assert.equal(fs.readFileSync(path.join(objects, 'sha256/ab/cdef'), 'utf8'), 'registered model bytes')
    })

    test('an upload to a path that is a folder is 400 and changes nothing', async () => {
      await put(`${base}/occupied/file.txt`, Buffer.from('f'))
      const res = await put(`${base}/occupied`, Buffer.from('x'))
      assert.equal(res.status, 400)
      assert.equal(res.json.error_code, 'INVALID_PARAMETER_VALUE')
      assert.equal((await raw(url, 'GET', `${PROXY}/${base}/occupied/file.txt`)).body.toString(), 'f')
    })

    test('JSON endpoints elsewhere still parse JSON bodies', async () => {
      const res = await api('POST', '/runs/log-parameter', { run_id: runId, key: 'lr', value: '0.1' })
      assert.equal(res.status, 200)
      const bad = await api('POST', '/runs/log-parameter', '{"run_id": ')
      assert.equal(bad.status, 400)
      assert.equal(bad.body.error_code, 'INVALID_PARAMETER_VALUE')
    })
  })
}

/** The path as a query value carries it decoded once, the way the URL path is decoded by the router. */
function decodeURIComponentSafe(p: string): string {
  try {
    return decodeURIComponent(p)
  } catch {
    return p
  }
}
