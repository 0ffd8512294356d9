import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DATASET_MANIFEST_HEADER } from '@railyard/api'
import { DIALECTS } from '../testing/databases.js'
import { createTestApp, type TestApp } from '../testing/test-app.js'
import { call, mlflow } from '../testing/http.js'

const sha = (b: string | Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`

function writeFiles(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, ...rel.split('/'))
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, content)
  }
}

for (const dialect of DIALECTS) {
  describe(`datasets API (${dialect})`, () => {
    let t: TestApp
    let data: string
    const ry = (method: 'GET' | 'POST' | 'DELETE', p: string, payload?: Record<string, unknown>) => call(t.app, method, `/api/2.0/railyard${p}`, payload)
    const ok = async (method: 'GET' | 'POST' | 'DELETE', p: string, payload?: Record<string, unknown>) => {
      const res = await ry(method, p, payload)
      assert.equal(res.status, 200, `${p}: ${JSON.stringify(res.body)}`)
      return res.body
    }
    const snapshot = (name: string, extra: Record<string, unknown> = {}) => ok('POST', '/datasets/snapshot', { name, stream: false, ...extra })
    const versionCount = async (name: string) => ((await ok('GET', '/datasets/versions/list', { name })).versions ?? []).length
    const objectFiles = () => {
      const dir = path.join(t.artifactsDir, 'objects', 'sha256')
      if (!fs.existsSync(dir)) return 0
      return fs.readdirSync(dir).reduce((n, d) => n + fs.readdirSync(path.join(dir, d)).length, 0)
    }

    before(async () => {
      t = await createTestApp(dialect)
      data = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-ds-'))
      writeFiles(data, {
        'tweets/2024-01/a.json': '{"a":1}\n',
        'tweets/2024-01/b.json': '{"b":2}\n',
        'tweets/2024-02/c.json': '{"c":3}\n',
        'tweets/notes.txt': 'not data',
        'other/x.csv': 'x\n1\n',
      })
      await ok('POST', '/datastores/create', { name: 'lake', kind: 'local', config: { root: data }, description: 'test folder' })
    })
    after(async () => {
      await t.dispose()
      fs.rmSync(data, { recursive: true, force: true })
    })

    test('datastores: create, get, list; both prefixes; credentials never echoed', async () => {
      const got = await ok('GET', '/datastores/get', { name: 'lake' })
      assert.equal(got.datastore.kind, 'local')
      assert.equal(got.datastore.config.root, data)
      assert.equal(got.datastore.uri, `file://${data}`)
      assert.deepEqual(got.datastore.credentials, { type: 'none' })
      const ajax = await call(t.app, 'GET', '/ajax-api/2.0/railyard/datastores/list')
      assert.deepEqual(ajax.body.datastores.map((d: { name: string }) => d.name), ['lake'])

      const s3 = await ok('POST', '/datastores/create', {
        name: 's3-ref',
        kind: 's3',
        config: { bucket: 'my-bucket', prefix: '/raw/', endpoint: 'http://127.0.0.1:1', path_style: true },
        credentials: { env: { access_key_id: 'MY_KEY_ID', secret_access_key: 'MY_SECRET' } },
        verify: false,
      })
      assert.deepEqual(s3.datastore.config, { bucket: 'my-bucket', prefix: 'raw', endpoint: 'http://127.0.0.1:1', path_style: true })
      assert.deepEqual(s3.datastore.credentials, { type: 'env', env: { access_key_id: 'MY_KEY_ID', secret_access_key: 'MY_SECRET' } })
      assert.match(s3.datastore.uri, /^s3:\/\/my-bucket\/raw\?endpoint=.*access_key_id_env=MY_KEY_ID/)
      assert.equal((await ry('DELETE', '/datastores/delete', { name: 's3-ref' })).status, 200)
      assert.equal((await ry('GET', '/datastores/get', { name: 's3-ref' })).status, 404)
    })

    test('datastore bad input: unknown kind, missing folder, secrets without a server key, taken name', async () => {
      const kind = await ry('POST', '/datastores/create', { name: 'ftp', kind: 'ftp', config: {} })
      assert.equal(kind.status, 400)
      assert.equal(kind.body.error_code, 'INVALID_PARAMETER_VALUE')
      assert.match(kind.body.message, /Unknown datastore kind 'ftp'.*local, s3, azure-blob/)
      const missing = await ry('POST', '/datastores/create', { name: 'gone', kind: 'local', config: { root: path.join(data, 'nope') } })
      assert.equal(missing.status, 400)
      assert.match(missing.body.message, /does not exist/)
      const relative = await ry('POST', '/datastores/create', { name: 'rel', kind: 'local', config: { root: 'data' } })
      assert.equal(relative.status, 400)
      const wrongField = await ry('POST', '/datastores/create', { name: 'wf', kind: 'local', config: { root: data, bucket: 'b' } })
      assert.match(wrongField.body.message, /bucket do not apply to a local datastore/)
      const secret = await ry('POST', '/datastores/create', {
        name: 'sec',
        kind: 's3',
        config: { bucket: 'bucket-a' },
        credentials: { secret: { access_key_id: 'AK', secret_access_key: 'SK' } },
        verify: false,
      })
      assert.equal(secret.status, 400)
      assert.match(secret.body.message, /RAILYARD_SECRET_KEY/)
      const taken = await ry('POST', '/datastores/create', { name: 'lake', kind: 'local', config: { root: data } })
      assert.equal(taken.body.error_code, 'RESOURCE_ALREADY_EXISTS')
      const names = (await ok('GET', '/datastores/list')).datastores.map((d: { name: string }) => d.name)
      assert.deepEqual(names, ['lake'])
    })

    test('snapshot: the same files give the same version id; the manifest streams and hashes to it', async () => {
      await ok('POST', '/datasets/create', { name: 'tweets', datastore: 'lake', path: 'tweets', include: ['**/*.json'] })
      const first = await snapshot('tweets', { message: 'first' })
      assert.equal(first.reused, false)
      assert.equal(first.version.file_count, 3)
      assert.equal(first.version.total_bytes, 24)
      assert.equal(first.version.pinned, false)
      assert.equal(first.version.short_id, first.version.id.slice(7, 19))
      const again = await snapshot('tweets')
      assert.equal(again.reused, true)
      assert.equal(again.version.id, first.version.id)
      assert.equal(await versionCount('tweets'), 1)

      const res = await t.app.inject({ method: 'GET', url: `/api/2.0/railyard/datasets/versions/files/stream?name=tweets&version=${first.version.short_id}` })
      assert.equal(res.statusCode, 200)
      assert.equal(res.headers['x-railyard-version-id'], first.version.id)
      assert.equal(res.headers['x-railyard-file-count'], '3')
      assert.equal(sha(res.rawPayload), first.version.id)
      const lines = res.body.trimEnd().split('\n')
      assert.equal(lines[0], DATASET_MANIFEST_HEADER)
      assert.deepEqual(lines.slice(1).map((l) => JSON.parse(l).path), ['2024-01/a.json', '2024-01/b.json', '2024-02/c.json'])
      assert.equal(JSON.parse(lines[1]).oid, sha('{"a":1}\n'))

      const got = await ok('GET', '/datasets/get', { name: 'tweets' })
      assert.equal(got.dataset.latest_version.id, first.version.id)
      assert.equal(got.dataset.path, 'tweets')
      assert.equal((await ok('GET', '/datasets/versions/get', { name: 'tweets', version: 'latest' })).version.message, 'first')
    })

    test('lists: datasets (with latest versions, by datastore, paged) and versions newest first', async () => {
      writeFiles(data, { 'listing/one.txt': '1' })
      await ok('POST', '/datasets/create', { name: 'list-a', datastore: 'lake', path: 'listing', tags: [{ key: 'team', value: 'nlp' }] })
      await ok('POST', '/datasets/create', { name: 'list-b', datastore: 'lake', path: 'listing', description: 'b' })
      const va = (await snapshot('list-a')).version
      writeFiles(data, { 'listing/two.txt': '2' })
      const va2 = (await snapshot('list-a')).version
      const all = await ok('GET', '/datasets/list', { datastore: 'lake', max_results: 1000 })
      const a = all.datasets.find((d: { name: string }) => d.name === 'list-a')
      const b = all.datasets.find((d: { name: string }) => d.name === 'list-b')
      assert.equal(a.latest_version.id, va2.id)
      assert.deepEqual(a.tags, [{ key: 'team', value: 'nlp' }])
      assert.equal(b.latest_version, undefined)
      assert.equal(b.datastore, 'lake')

      const names: string[] = []
      let token: string | undefined
      do {
        const page = await ok('GET', '/datasets/list', { max_results: 1, ...(token ? { page_token: token } : {}) })
        names.push(...page.datasets.map((d: { name: string }) => d.name))
        token = page.next_page_token
      } while (token)
      assert.deepEqual(names, all.datasets.map((d: { name: string }) => d.name))
      assert.ok(names.includes('list-a') && names.includes('list-b'))

      const versions = await ok('GET', '/datasets/versions/list', { name: 'list-a' })
      assert.deepEqual(versions.versions.map((v: { id: string }) => v.id), [va2.id, va.id])
      const page1 = await ok('GET', '/datasets/versions/list', { name: 'list-a', max_results: 1 })
      assert.equal(page1.versions[0].id, va2.id)
      const page2 = await ok('GET', '/datasets/versions/list', { name: 'list-a', max_results: 1, page_token: page1.next_page_token })
      assert.equal(page2.versions[0].id, va.id)
      assert.equal(page2.next_page_token, undefined)
      assert.equal((await ry('GET', '/datasets/list', { datastore: 'nope' })).status, 404)
      fs.rmSync(path.join(data, 'listing'), { recursive: true })
    })

    test('snapshot streams NDJSON progress and ends with the version', async () => {
      await ok('POST', '/datasets/create', { name: 'all', datastore: 'lake' })
      const res = await t.app.inject({ method: 'POST', url: '/api/2.0/railyard/datasets/snapshot', payload: { name: 'all' } })
      assert.equal(res.statusCode, 200)
      assert.match(String(res.headers['content-type']), /application\/x-ndjson/)
      const events = res.body.trimEnd().split('\n').map((l) => JSON.parse(l))
      const last = events[events.length - 1]
      assert.equal(last.phase, 'done')
      assert.equal(last.files_total, 5)
      assert.equal(last.files_done, 5)
      assert.equal(last.version.file_count, 5)
      assert.ok(events.some((e) => e.phase === 'hashing'))
      for (const e of events) assert.equal(typeof e.bytes_total, 'number')
    })

    test('files: pages with tokens, a prefix, and one file read back', async () => {
      const v = (await snapshot('all')).version
      const p1 = await ok('GET', '/datasets/versions/files', { name: 'all', version: v.id, max_results: 2 })
      assert.deepEqual(p1.files.map((f: { path: string }) => f.path), ['other/x.csv', 'tweets/2024-01/a.json'])
      const p2 = await ok('GET', '/datasets/versions/files', { name: 'all', version: v.id, max_results: 2, page_token: p1.next_page_token })
      assert.deepEqual(p2.files.map((f: { path: string }) => f.path), ['tweets/2024-01/b.json', 'tweets/2024-02/c.json'])
      const p3 = await ok('GET', '/datasets/versions/files', { name: 'all', version: v.id, max_results: 2, page_token: p2.next_page_token })
      assert.deepEqual(p3.files.map((f: { path: string }) => f.path), ['tweets/notes.txt'])
      assert.equal(p3.next_page_token, undefined)
      const pre = await ok('GET', '/datasets/versions/files', { name: 'all', version: v.id, prefix: 'tweets/2024-0' })
      assert.equal(pre.files.length, 3)
      const forged = await ry('GET', '/datasets/versions/files', { name: 'all', version: v.id, page_token: Buffer.from('{"offset":60}').toString('base64') })
      assert.equal(forged.status, 400)

      const file = await t.app.inject({ method: 'GET', url: `/api/2.0/railyard/datasets/versions/file?name=all&version=${v.id}&path=other/x.csv` })
      assert.equal(file.statusCode, 200)
      assert.equal(file.body, 'x\n1\n')
      assert.equal(file.headers['x-railyard-oid'], sha('x\n1\n'))
      const absent = await ry('GET', '/datasets/versions/file', { name: 'all', version: v.id, path: 'other/y.csv' })
      assert.equal(absent.status, 404)
      assert.match(absent.body.message, /'other\/y.csv' is not in version/)
    })

    test('new and changed files give a new version; diff lists them with sizes', async () => {
      await ok('POST', '/datasets/create', { name: 'diffs', datastore: 'lake', glob: 'other/*.csv' })
      const v1 = (await snapshot('diffs')).version
      writeFiles(data, { 'other/y.csv': 'y\n2\n', 'other/x.csv': 'x\n1\n2\n' })
      const v2 = (await snapshot('diffs')).version
      assert.notEqual(v2.id, v1.id)
      const diff = await ok('GET', '/datasets/versions/diff', { name: 'diffs', from: v1.id, to: v2.short_id })
      assert.deepEqual(diff.added, [{ path: 'y.csv', size: 4 }])
      assert.deepEqual(diff.modified, [{ path: 'x.csv', size: 6, old_size: 4 }])
      assert.equal(diff.removed, undefined)
      assert.deepEqual(diff.summary, { added: 1, removed: 0, modified: 1, unchanged: 0, bytes_added: 10, bytes_removed: 4 })
      const paged = await ok('GET', '/datasets/versions/diff', { name: 'diffs', from: v1.id, to: v2.id, max_results: 1 })
      assert.deepEqual(paged.modified, [{ path: 'x.csv', size: 6, old_size: 4 }])
      const rest = await ok('GET', '/datasets/versions/diff', { name: 'diffs', from: v1.id, to: v2.id, max_results: 1, page_token: paged.next_page_token })
      assert.deepEqual(rest.added, [{ path: 'y.csv', size: 4 }])
      assert.equal(rest.next_page_token, undefined)
      assert.equal(rest.summary.added, 1)
      const back = await ok('GET', '/datasets/versions/diff', { name: 'diffs', from: v2.id, to: v1.id })
      assert.deepEqual(back.removed, [{ path: 'y.csv', size: 4 }])
      fs.rmSync(path.join(data, 'other', 'y.csv'))
      writeFiles(data, { 'other/x.csv': 'x\n1\n' })
    })

    test('tamper: a changed file fails the read naming it; a pinned version still reads the original', async () => {
      writeFiles(data, { 'tamper/keep.txt': 'stays', 'tamper/t.txt': 'original' })
      await ok('POST', '/datasets/create', { name: 'tamper', datastore: 'lake', path: 'tamper' })
      const loose = (await snapshot('tamper')).version
      const pinned = (await snapshot('tamper', { pin: true })).version
      assert.equal(pinned.id, loose.id, 'pinning does not change the version id')
      assert.equal(pinned.pinned, true)
      await ok('POST', '/datasets/create', { name: 'tamper2', datastore: 'lake', path: 'tamper' })
      const unpinned = (await snapshot('tamper2')).version
      assert.equal(unpinned.pinned, false)

      writeFiles(data, { 'tamper/t.txt': 'CHANGED!' }) // same size
      const read = await ry('GET', '/datasets/versions/file', { name: 'tamper2', version: unpinned.id, path: 't.txt' })
      assert.equal(read.status, 409)
      assert.equal(read.body.error_code, 'RESOURCE_CONFLICT')
      assert.match(read.body.message, /t\.txt \(content changed\)/)
      const untouched = await t.app.inject({ method: 'GET', url: `/api/2.0/railyard/datasets/versions/file?name=tamper2&version=${unpinned.id}&path=keep.txt` })
      assert.equal(untouched.body, 'stays')
      const fromPin = await t.app.inject({ method: 'GET', url: `/api/2.0/railyard/datasets/versions/file?name=tamper&version=${pinned.id}&path=t.txt` })
      assert.equal(fromPin.statusCode, 200)
      assert.equal(fromPin.body, 'original')

      const verify = await ok('POST', '/datasets/versions/verify', { name: 'tamper2', version: unpinned.id })
      assert.deepEqual(verify, { ok: false, checked: 2, changed: [{ path: 't.txt', problem: 'content', expected_size: 8, actual_size: 8 }], changed_count: 1 })
      assert.deepEqual(await ok('POST', '/datasets/versions/verify', { name: 'tamper', version: pinned.id, deep: true }), { ok: true, checked: 2, changed_count: 0 })

      fs.rmSync(path.join(data, 'tamper', 't.txt'))
      const gone = await ry('GET', '/datasets/versions/file', { name: 'tamper2', version: unpinned.id, path: 't.txt' })
      assert.equal(gone.status, 409)
      assert.match(gone.body.message, /t\.txt \(missing\)/)
    })

    test('bad input: a glob that matches nothing, unknown versions, unknown datasets; nothing is left behind', async () => {
      await ok('POST', '/datasets/create', { name: 'empty-glob', datastore: 'lake', glob: 'tweets/**/*.parquet' })
      const objectsBefore = objectFiles()
      const plain = await ry('POST', '/datasets/snapshot', { name: 'empty-glob', stream: false })
      assert.equal(plain.status, 400)
      assert.match(plain.body.message, /selects no files: glob 'tweets\/\*\*\/\*.parquet' matched nothing/)
      const streamed = await t.app.inject({ method: 'POST', url: '/api/2.0/railyard/datasets/snapshot', payload: { name: 'empty-glob' } })
      const last = JSON.parse(streamed.body.trimEnd().split('\n').pop()!)
      assert.equal(last.phase, 'failed')
      assert.equal(last.error.error_code, 'INVALID_PARAMETER_VALUE')
      assert.equal(await versionCount('empty-glob'), 0)
      assert.equal(objectFiles(), objectsBefore)

      // A leading '/': a folder inside a local datastore's root is taken as such; anything else is refused.
      const absolute = await ok('POST', '/datasets/create', { name: 'absolute', datastore: 'lake', path: `${data}/tweets/` })
      assert.equal(absolute.dataset.path, 'tweets')
      const outside = await ry('POST', '/datasets/create', { name: 'outside', datastore: 'lake', path: '/etc' })
      assert.equal(outside.status, 400)
      assert.equal(outside.body.message, `Invalid path '/etc': a dataset's path is a folder inside datastore 'lake' (whose root is ${data}), given without a leading '/'`)

      // '*' stops at a slash: the message says how to match at any depth.
      await ok('POST', '/datasets/create', { name: 'shallow', datastore: 'lake', path: 'tweets', include: ['*.json'] })
      const shallow = await ry('POST', '/datasets/snapshot', { name: 'shallow', stream: false })
      assert.equal(shallow.status, 400)
      assert.match(shallow.body.message, /with its include\/exclude patterns matched nothing .*\('\*' matches within one folder: '\*\*\/\*\.json' matches at any depth\)$/)

      await ok('POST', '/datasets/create', { name: 'no-folder', datastore: 'lake', path: 'not/there' })
      const folder = await ry('POST', '/datasets/snapshot', { name: 'no-folder' })
      assert.equal(folder.status, 400)
      assert.match(folder.body.message, /no files under 'not\/there'/)

      assert.equal((await ry('GET', '/datasets/versions/get', { name: 'tweets', version: 'deadbeefdeadbeef' })).status, 404)
      assert.equal((await ry('GET', '/datasets/versions/get', { name: 'tweets', version: 'xyz' })).status, 400)
      assert.equal((await ry('GET', '/datasets/versions/get', { name: 'empty-glob', version: 'latest' })).status, 404)
      assert.equal((await ry('POST', '/datasets/snapshot', { name: 'nope' })).status, 404)
      const both = await ry('POST', '/datasets/create', { name: 'both', datastore: 'lake', path: 'a', glob: 'a/*' })
      assert.equal(both.status, 400)
      const store = await ry('POST', '/datasets/create', { name: 'orphan', datastore: 'nowhere' })
      assert.equal(store.status, 404)
      const inUse = await ry('DELETE', '/datastores/delete', { name: 'lake' })
      assert.equal(inUse.status, 409)
      assert.match(inUse.body.message, /used by dataset/)
    })

    test('a field set to null is a field not set (protobuf JSON, as MLflow parses it), here and on MLflow routes', async () => {
      const created = await ok('POST', '/datasets/create', { name: 'nulls', datastore: 'lake', path: 'other', description: null, tags: null, glob: null })
      assert.equal(created.dataset.description, undefined)
      const api = mlflow(t.app)
      const exp = await api('POST', '/experiments/create', { name: `nulls-${dialect}`, artifact_location: null, tags: [{ key: 'k', value: 'v' }, { key: 'n', value: null }] })
      assert.equal(exp.status, 400, 'a tag without its value is still refused')
      const plain = await api('POST', '/experiments/create', { name: `nulls-${dialect}`, artifact_location: null })
      assert.equal(plain.status, 200, JSON.stringify(plain.body))
      assert.equal((await api('POST', '/experiments/create', { name: null })).status, 400)
      // Every JSON route, not only the MLflow-table ones, refuses nesting a recursive walk could not take.
      const deep = await t.app.inject({ method: 'POST', url: '/api/2.0/railyard/datasets/snapshot', headers: { 'content-type': 'application/json' }, payload: `{"name": ${'['.repeat(5000)}${']'.repeat(5000)}}` })
      assert.equal(deep.statusCode, 400)
      assert.deepEqual(JSON.parse(deep.body), { error_code: 'INVALID_PARAMETER_VALUE', message: 'Malformed JSON request body: nested deeper than 64 levels' })
    })

    test('delete: an unused dataset goes with its versions; one an experiment froze or a run used is refused and kept', async () => {
      writeFiles(data, { 'scratch/a.txt': 'a', 'scratch/b.txt': 'b' })
      await ok('POST', '/datastores/create', { name: 'scratch-store', kind: 'local', config: { root: path.join(data, 'scratch') } })
      await ok('POST', '/datasets/create', { name: 'typo', datastore: 'scratch-store' })
      await snapshot('typo')
      await snapshot('typo', { pin: true })
      await ok('DELETE', '/datasets/delete', { name: 'typo' })
      assert.equal((await ry('GET', '/datasets/get', { name: 'typo' })).status, 404)
      assert.equal((await ry('GET', '/datasets/versions/list', { name: 'typo' })).status, 404)
      assert.equal((await ry('DELETE', '/datasets/delete', { name: 'typo' })).status, 404)
      // Its datastore is free again; a new dataset of the old name starts with no versions.
      await ok('POST', '/datasets/create', { name: 'typo', datastore: 'scratch-store' })
      assert.equal(await versionCount('typo'), 0)
      await ok('DELETE', '/datasets/delete', { name: 'typo' })
      await ok('DELETE', '/datastores/delete', { name: 'scratch-store' })

      const api = mlflow(t.app)
      await ok('POST', '/datasets/create', { name: 'used', datastore: 'lake', path: 'other' })
      const experiment = (await api('POST', '/experiments/create', { name: `delete-used-${dialect}` })).body.experiment_id
      const run = (await api('POST', '/runs/create', { experiment_id: experiment })).body.run.info.run_id
      await ok('POST', '/datasets/resolve', { experiment_id: experiment, dataset: 'used', run_id: run })
      const refused = await ry('DELETE', '/datasets/delete', { name: 'used' })
      assert.equal(refused.status, 409)
      assert.equal(refused.body.error_code, 'RESOURCE_CONFLICT')
      assert.match(refused.body.message, new RegExp(`experiment\\(s\\) 'delete-used-${dialect}' froze it; run\\(s\\) ${run} logged its versions`))
      assert.equal(await versionCount('used'), 1, 'nothing was deleted')

      // A run input alone (no freeze: logged through MLflow's log-inputs) also keeps it.
      await ok('POST', '/datasets/create', { name: 'logged', datastore: 'lake', path: 'other' })
      await snapshot('logged')
      const other = (await api('POST', '/runs/create', { experiment_id: experiment })).body.run.info.run_id
      const input = { name: 'logged', digest: 'abc', source_type: 'railyard', source: '{}' }
      assert.equal((await api('POST', '/runs/log-inputs', { run_id: other, datasets: [{ dataset: input }] })).status, 200)
      const byRun = await ry('DELETE', '/datasets/delete', { name: 'logged' })
      assert.equal(byRun.status, 409)
      assert.match(byRun.body.message, new RegExp(`run\\(s\\) ${other} logged`))
      assert.equal((await ry('DELETE', '/datasets/delete', {})).status, 400)
      // No body at all (curl -X DELETE '...?name=x'): the missing field is named, as MLflow names it.
      const bare = await t.app.inject({ method: 'DELETE', url: '/api/2.0/railyard/datasets/delete?name=logged' })
      assert.equal(bare.statusCode, 400)
      assert.match(JSON.parse(bare.body).message, /'name'/)
      const quoted = await t.app.inject({ method: 'POST', url: '/api/2.0/railyard/datasets/create', headers: { 'content-type': 'application/json' }, payload: '"str"' })
      assert.equal(quoted.statusCode, 400)
      assert.equal(JSON.parse(quoted.body).message, 'The request body must be a JSON object, not a JSON string')
    })

  })
}
