import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { DIALECTS } from '../testing/databases.js'
import { createTestApp, type TestApp } from '../testing/test-app.js'
import { registryClient, trainRun, waitUntilRegistered, type TrainedRun } from './registry-fixtures.js'

const VERSION_KEYS = [
  'creation_timestamp',
  'current_stage',
  'last_updated_timestamp',
  'name',
  'run_id',
  'source',
  'status',
  'user_id',
  'version',
]

for (const dialect of DIALECTS) {
  describe(`model versions API (${dialect})`, () => {
    let t: TestApp
    let api: ReturnType<typeof registryClient>
    let run: TrainedRun
    before(async () => {
      t = await createTestApp(dialect)
      api = registryClient(t.app, { 'x-railyard-user': 'bob' })
      run = await trainRun(t.app)
      await api.mlflow('POST', '/registered-models/create', { name: 'churn' })
    })
    after(() => t.dispose())

    const allVersions = async () => (await api.mlflow('GET', '/model-versions/search', { max_results: 1000 })).body
    const fileOf = (version: string, path: string) =>
      t.app.inject({ method: 'GET', url: `/api/2.0/railyard/model-versions/file?name=churn&version=${version}&path=${encodeURIComponent(path)}` })

    test('create from runs:/RUN_ID/model copies the files and is READY', async () => {
      const res = await api.mlflow('POST', '/model-versions/create', {
        name: 'churn',
        source: `runs:/${run.runId}/model`,
        run_id: run.runId,
        tags: [{ key: 'framework', value: 'js' }],
        description: 'first',
        run_link: 'http://ui/runs/1',
        reason: 'first candidate',
      })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      const v = res.body.model_version
      assert.deepEqual(Object.keys(v).sort(), [...VERSION_KEYS, 'description', 'run_link', 'tags'].sort())
      assert.equal(v.name, 'churn')
      assert.equal(v.version, '1')
      assert.equal(v.status, 'READY')
      assert.equal(v.current_stage, 'None')
      assert.equal(v.source, `runs:/${run.runId}/model`)
      assert.equal(v.run_id, run.runId)
      assert.equal(v.user_id, 'bob')
      assert.deepEqual(v.tags, [{ key: 'framework', value: 'js' }])

      const got = await api.mlflow('GET', '/model-versions/get', { name: 'churn', version: '1' })
      assert.deepEqual(got.body, res.body)
      assert.deepEqual((await api.ajax('GET', '/model-versions/get', { name: 'churn', version: 1 })).body, res.body)
      const [created] = (await api.railyard('GET', '/registered-models/audit', { name: 'churn' })).body.entries
      assert.deepEqual([created.action, created.version, created.to, created.who, created.reason], [
        'model_version.created',
        '1',
        `runs:/${run.runId}/model`,
        'bob',
        'first candidate',
      ])
    })

    test("create from the run's mlflow-artifacts: location, as mlflow.register_model sends it", async () => {
      const source = `${run.artifactUri}/model`
      const withRun = await api.mlflow('POST', '/model-versions/create', { name: 'churn', source, run_id: run.runId })
      assert.equal(withRun.status, 200, JSON.stringify(withRun.body))
      const polled = await waitUntilRegistered(() => api.mlflow('GET', '/model-versions/get', { name: 'churn', version: '2' }))
      assert.equal(polled.body.model_version.status, 'READY')
      assert.equal(polled.body.model_version.source, source)
      // Without run_id the run is the one whose artifacts hold the files.
      const inferred = await api.mlflow('POST', '/model-versions/create', { name: 'churn', source })
      assert.equal(inferred.body.model_version.version, '3')
      assert.equal(inferred.body.model_version.run_id, run.runId)
    })

    test('every version lists its files by content id, and downloads them byte for byte', async () => {
      const listed = await api.railyard('GET', '/model-versions/files', { name: 'churn', version: '1' })
      assert.equal(listed.status, 200)
      assert.match(listed.body.tree_oid, /^sha256:[0-9a-f]{64}$/)
      const expected = Object.entries(run.files)
        .map(([path, bytes]) => ({ path, oid: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length }))
        .sort((a, b) => (a.path < b.path ? -1 : 1))
      assert.deepEqual(listed.body.files, expected)
      // The same files registered again are the same tree: nothing is stored twice.
      const again = await api.railyard('GET', '/model-versions/files', { name: 'churn', version: '2' })
      assert.equal(again.body.tree_oid, listed.body.tree_oid)

      for (const [path, bytes] of Object.entries(run.files)) {
        const res = await fileOf('1', path)
        assert.equal(res.statusCode, 200)
        assert.ok(res.rawPayload.equals(bytes), path)
        assert.equal(res.headers['content-length'], String(bytes.length))
      }
      const ui = await t.app.inject({ method: 'GET', url: '/model-versions/get-artifact?name=churn&version=1&path=MLmodel' })
      assert.equal(ui.statusCode, 200)
      assert.equal(ui.headers['content-type'], 'text/plain')
      assert.ok(ui.rawPayload.equals(run.files.MLmodel))
      assert.equal((await fileOf('1', 'nope.txt')).statusCode, 404)
      assert.equal((await fileOf('1', '../../etc/passwd')).statusCode, 400)
    })

    test("versions survive deleting the run's artifacts, byte for byte", async () => {
      const folder = run.artifactUri.replace(/^mlflow-artifacts:\/*/, '')
      const del = await t.app.inject({ method: 'DELETE', url: `/api/2.0/mlflow-artifacts/artifacts/${folder}/model` })
      assert.equal(del.statusCode, 200)
      const listing = await api.mlflow('GET', '/artifacts/list', { run_id: run.runId, path: 'model' })
      assert.equal(listing.body.files, undefined)
      await api.mlflow('POST', '/runs/delete', { run_id: run.runId })

      for (const [path, bytes] of Object.entries(run.files)) {
        for (const version of ['1', '2', '3']) {
          const res = await fileOf(version, path)
          assert.equal(res.statusCode, 200, `${version}/${path}`)
          assert.ok(res.rawPayload.equals(bytes), `${version}/${path}`)
        }
      }
      // And registering from the now-empty location is refused, changing nothing.
      const before = await allVersions()
      const gone = await api.mlflow('POST', '/model-versions/create', { name: 'churn', source: `runs:/${run.runId}/model` })
      assert.equal(gone.status, 400)
      assert.match(gone.body.message, /no files/)
      assert.deepEqual(await allVersions(), before)
      await api.mlflow('POST', '/runs/restore', { run_id: run.runId })
    })

    test('create from models:/NAME/VERSION shares the tree and inherits the run', async () => {
      await api.mlflow('POST', '/registered-models/create', { name: 'churn-copy' })
      const res = await api.mlflow('POST', '/model-versions/create', { name: 'churn-copy', source: 'models:/churn/1' })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.equal(res.body.model_version.status, 'READY')
      assert.equal(res.body.model_version.run_id, run.runId)
      const a = await api.railyard('GET', '/model-versions/files', { name: 'churn', version: '1' })
      const b = await api.railyard('GET', '/model-versions/files', { name: 'churn-copy', version: '1' })
      assert.equal(a.body.tree_oid, b.body.tree_oid)
      const lineage = await api.railyard('GET', '/model-versions/lineage', { name: 'churn-copy', version: '1' })
      assert.deepEqual(lineage.body.copied_from, { name: 'churn', version: '1' })
    })

    test('get-download-uri points at an MLflow-readable copy of the tree, through the artifact proxy', async () => {
      const res = await api.mlflow('GET', '/model-versions/get-download-uri', { name: 'churn', version: '1' })
      assert.equal(res.status, 200)
      const tree = (await api.railyard('GET', '/model-versions/files', { name: 'churn', version: '1' })).body.tree_oid.slice(7)
      // Relative to the client's tracking URI, as MLflow's own server answers: the client keeps its
      // scheme, host, path prefix and credentials (an absolute URI would drop credentials in the URI).
      assert.equal(res.body.artifact_uri, `mlflow-artifacts:/_railyard_trees/${tree}`)
      // What MLflow's MlflowArtifactsRepository does with it: list under the proxy, then GET each file.
      for (const base of ['/api/2.0/mlflow-artifacts/artifacts', '/api/2.0/railyard/trees/mlflow-artifacts/artifacts']) {
        const folder = base.startsWith('/api/2.0/mlflow-artifacts') ? `_railyard_trees/${tree}` : tree
        const root = await t.app.inject({ method: 'GET', url: `${base}?path=${folder}` })
        assert.deepEqual(root.json(), {
          files: [
            { path: 'MLmodel', is_dir: false, file_size: run.files.MLmodel.length },
            { path: 'predict.mjs', is_dir: false, file_size: run.files['predict.mjs'].length },
            { path: 'weights', is_dir: true },
          ],
        }, base)
        const sub = await t.app.inject({ method: 'GET', url: `${base}?path=${folder}/weights` })
        assert.deepEqual(sub.json(), { files: [{ path: 'w.bin', is_dir: false, file_size: run.files['weights/w.bin'].length }] })
        const file = await t.app.inject({ method: 'GET', url: `${base}/${folder}/weights/w.bin` })
        assert.ok(file.rawPayload.equals(run.files['weights/w.bin']))
      }
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/2.0/mlflow-artifacts/artifacts?path=_railyard_trees/nothex' })).statusCode, 400)
      // Read-only: a registered version's files cannot be overwritten or deleted through the proxy.
      for (const method of ['PUT', 'DELETE'] as const) {
        const write = await t.app.inject({ method, url: `/api/2.0/mlflow-artifacts/artifacts/_railyard_trees/${tree}/MLmodel`, payload: method === 'PUT' ? 'x' : undefined })
        assert.equal(write.statusCode, 400, method)
        assert.equal(write.json().error_code, 'INVALID_PARAMETER_VALUE')
      }
      const still = await t.app.inject({ method: 'GET', url: `/api/2.0/mlflow-artifacts/artifacts/_railyard_trees/${tree}/MLmodel` })
      assert.ok(still.rawPayload.equals(run.files.MLmodel))
    })

    test('update (PATCH) sets the description; audited', async () => {
      const res = await api.mlflow('PATCH', '/model-versions/update', { name: 'churn', version: '1', description: 'better', reason: 'typo' })
      assert.equal(res.status, 200)
      assert.equal(res.body.model_version.description, 'better')
      const entry = (await api.railyard('GET', '/registered-models/audit', { name: 'churn' })).body.entries.at(-1)
      assert.deepEqual([entry.action, entry.version, entry.from, entry.to, entry.who, entry.reason], [
        'model_version.description',
        '1',
        'first',
        'better',
        'bob',
        'typo',
      ])
    })

    test('legacy stages: transition, archive_existing_versions, latest versions', async () => {
      const move = (version: string, stage: string, archive = false) =>
        api.mlflow('POST', '/model-versions/transition-stage', { name: 'churn', version, stage, archive_existing_versions: archive })
      const staged = await move('1', 'staging')
      assert.equal(staged.status, 200)
      assert.equal(staged.body.model_version.current_stage, 'Staging')
      await move('1', 'Production')
      await move('2', 'PRODUCTION', true)
      const v1 = await api.mlflow('GET', '/model-versions/get', { name: 'churn', version: '1' })
      assert.equal(v1.body.model_version.current_stage, 'Archived')
      await move('3', 'Staging')

      const latest = await api.mlflow('POST', '/registered-models/get-latest-versions', { name: 'churn', stages: ['production', 'Staging'] })
      assert.deepEqual(
        latest.body.model_versions.map((v: { version: string; current_stage: string }) => [v.version, v.current_stage]),
        [['3', 'Staging'], ['2', 'Production']],
      )
      const viaGet = await api.mlflow('GET', '/registered-models/get-latest-versions', { name: 'churn', stages: 'Archived' })
      assert.deepEqual(viaGet.body.model_versions.map((v: { version: string }) => v.version), ['1'])
      const model = await api.mlflow('GET', '/registered-models/get', { name: 'churn' })
      assert.deepEqual(
        model.body.registered_model.latest_versions.map((v: { version: string; current_stage: string }) => [v.version, v.current_stage]),
        [['3', 'Staging'], ['2', 'Production'], ['1', 'Archived']],
      )

      const stageAudit = (await api.railyard('GET', '/registered-models/audit', { name: 'churn' })).body.entries.filter(
        (e: { action: string }) => e.action === 'model_version.stage',
      )
      assert.deepEqual(
        stageAudit.map((e: { version: string; from: string; to: string }) => [e.version, e.from, e.to]),
        [['1', 'None', 'Staging'], ['1', 'Staging', 'Production'], ['2', 'None', 'Production'], ['1', 'Production', 'Archived'], ['3', 'None', 'Staging']],
      )

      const before = await allVersions()
      for (const body of [
        { name: 'churn', version: '1', stage: 'Live', archive_existing_versions: false },
        { name: 'churn', version: '1', stage: 'Archived', archive_existing_versions: true },
        { name: 'churn', version: '1' },
      ]) {
        const res = await api.mlflow('POST', '/model-versions/transition-stage', body)
        assert.equal(res.status, 400, JSON.stringify(body))
        assert.equal(res.body.error_code, 'INVALID_PARAMETER_VALUE')
      }
      const badStage = await api.mlflow('POST', '/registered-models/get-latest-versions', { name: 'churn', stages: ['Live'] })
      assert.equal(badStage.status, 400)
      assert.deepEqual(await allVersions(), before)
    })

    test('tags on versions: set, overwrite, delete', async () => {
      await api.mlflow('POST', '/model-versions/set-tag', { name: 'churn', version: '2', key: 'validated', value: 'no' })
      await api.mlflow('POST', '/model-versions/set-tag', { name: 'churn', version: '2', key: 'validated', value: 'yes' })
      let v = (await api.mlflow('GET', '/model-versions/get', { name: 'churn', version: '2' })).body.model_version
      assert.deepEqual(v.tags, [{ key: 'validated', value: 'yes' }])
      const del = await api.mlflow('DELETE', '/model-versions/delete-tag', { name: 'churn', version: '2', key: 'validated' })
      assert.equal(del.status, 200)
      v = (await api.mlflow('GET', '/model-versions/get', { name: 'churn', version: '2' })).body.model_version
      assert.equal(v.tags, undefined)
      const bad = await api.mlflow('POST', '/model-versions/set-tag', { name: 'churn', version: '2', key: '', value: 'x' })
      assert.equal(bad.status, 400)
    })

    test('search: name, run_id, version_number, tags; order and pages', async () => {
      const pairs = (r: { body: { model_versions?: Array<{ name: string; version: string }> } }) =>
        (r.body.model_versions ?? []).map((v) => `${v.name}/${v.version}`)
      assert.deepEqual(pairs(await api.mlflow('GET', '/model-versions/search', { filter: "name = 'churn'" })), ['churn/3', 'churn/2', 'churn/1'])
      assert.deepEqual(pairs(await api.mlflow('GET', '/model-versions/search', { filter: `run_id = '${run.runId}'` })), [
        'churn/3',
        'churn/2',
        'churn/1',
        'churn-copy/1',
      ])
      assert.deepEqual(pairs(await api.mlflow('GET', '/model-versions/search', { filter: `name = 'churn' AND version_number >= 2` })), [
        'churn/3',
        'churn/2',
      ])
      assert.deepEqual(pairs(await api.mlflow('GET', '/model-versions/search', { filter: `run_id IN ('${run.runId}') AND name LIKE 'churn-%'` })), [
        'churn-copy/1',
      ])
      assert.deepEqual(pairs(await api.mlflow('GET', '/model-versions/search', { filter: "tags.framework = 'js'" })), ['churn/1'])
      assert.deepEqual(
        pairs(await api.mlflow('GET', '/model-versions/search', { filter: "name = 'churn'", order_by: ['version_number ASC'] })),
        ['churn/1', 'churn/2', 'churn/3'],
      )
      const first = await api.mlflow('GET', '/model-versions/search', { filter: "name = 'churn'", max_results: 2 })
      assert.deepEqual(pairs(first), ['churn/3', 'churn/2'])
      const second = await api.mlflow('GET', '/model-versions/search', { filter: "name = 'churn'", max_results: 2, page_token: first.body.next_page_token })
      assert.deepEqual(pairs(second), ['churn/1'])
      assert.equal(second.body.next_page_token, undefined)
      for (const query of [{ max_results: 200_001 }, { filter: 'version_number > "x"' }, { filter: "stage = 'x'" }, { order_by: ['current_stage'] }]) {
        const res = await api.mlflow('GET', '/model-versions/search', query)
        assert.equal(res.status, 400, JSON.stringify(query))
      }
    })

    test('bad input is a clear 4xx and changes nothing', async () => {
      const before = await allVersions()
      const cases: Array<[string, Record<string, unknown>, number, RegExp]> = [
        ['unknown model', { name: 'nope', source: `runs:/${run.runId}/model` }, 404, /Registered Model with name=nope not found/],
        ['unknown run', { name: 'churn', source: `runs:/${'f'.repeat(32)}/model` }, 404, /Run with id=f+ not found/],
        ['empty folder', { name: 'churn', source: `runs:/${run.runId}/nothing-here` }, 400, /no files/],
        ['unsupported scheme', { name: 'churn', source: 's3://bucket/model' }, 400, /Unsupported model version source/],
        ['escaping path', { name: 'churn', source: `runs:/${run.runId}/../../x` }, 400, /Invalid path/],
        ['run mismatch', { name: 'churn', source: `runs:/${run.runId}/model`, run_id: 'e'.repeat(32) }, 400, /does not match/],
        ['outside the run', { name: 'churn', source: 'mlflow-artifacts:/0/other/artifacts/model', run_id: run.runId }, 400, /not inside the artifacts/],
        ['unknown version source', { name: 'churn', source: 'models:/churn/99' }, 404, /No model version matches/],
        ['bad models uri', { name: 'churn', source: 'models:/churn' }, 400, /Invalid model URI/],
        ['missing source', { name: 'churn' }, 400, /source/],
      ]
      for (const [what, body, status, message] of cases) {
        const res = await api.mlflow('POST', '/model-versions/create', body)
        assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`)
        assert.match(res.body.message, message, what)
      }
      const lookups: Array<[Record<string, unknown>, number]> = [
        [{ name: 'churn', version: '99' }, 404],
        [{ name: 'churn', version: 'abc' }, 400],
        [{ name: 'churn', version: '-1' }, 400],
        [{ name: 'nope', version: '1' }, 404],
      ]
      for (const [query, status] of lookups) {
        const res = await api.mlflow('GET', '/model-versions/get', query)
        assert.equal(res.status, status, JSON.stringify(query))
      }
      const missing = await api.mlflow('GET', '/model-versions/get', { name: 'churn', version: '99' })
      assert.deepEqual(missing.body, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Model Version (name=churn, version=99) not found' })
      assert.deepEqual(await allVersions(), before)
    })

    test('delete hides the version for good; its number is never reused', async () => {
      const del = await api.mlflow('DELETE', '/model-versions/delete', { name: 'churn', version: '3', reason: 'bad data' })
      assert.equal(del.status, 200)
      assert.deepEqual(del.body, {})
      assert.equal((await api.mlflow('GET', '/model-versions/get', { name: 'churn', version: '3' })).status, 404)
      assert.equal((await api.mlflow('DELETE', '/model-versions/delete', { name: 'churn', version: '3' })).status, 404)
      const listed = await api.mlflow('GET', '/model-versions/search', { filter: "name = 'churn'" })
      assert.deepEqual(listed.body.model_versions.map((v: { version: string }) => v.version), ['2', '1'])
      const next = await api.mlflow('POST', '/model-versions/create', { name: 'churn', source: 'models:/churn/1' })
      assert.equal(next.body.model_version.version, '4')
      const entry = (await api.railyard('GET', '/registered-models/audit', { name: 'churn' })).body.entries.find(
        (e: { action: string }) => e.action === 'model_version.deleted',
      )
      assert.deepEqual([entry.version, entry.from, entry.reason, entry.who], ['3', 'Staging', 'bad data', 'bob'])
    })

    test('tampered registry storage is never served as a complete file', async () => {
      const files = (await api.railyard('GET', '/model-versions/files', { name: 'churn', version: '1' })).body.files
      const entry = files.find((f: { path: string }) => f.path === 'weights/w.bin')
      const tampered = Buffer.from(run.files['weights/w.bin'])
      tampered[10] ^= 1
      const key = t.services.registry.objects.keyOf(entry.oid)
      const original = await t.services.artifacts.blobs.get(key)
      const chunks: Buffer[] = []
      for await (const c of original) chunks.push(c as Buffer)
      await t.services.artifacts.blobs.put(key, tampered)
      // The 200 headers are out before the last chunk is checked; the body is cut short instead.
      await assert.rejects(fileOf('1', 'weights/w.bin'), /destroyed before completion/)
      await t.services.artifacts.blobs.put(key, Buffer.concat(chunks))
      assert.ok((await fileOf('1', 'weights/w.bin')).rawPayload.equals(run.files['weights/w.bin']))
    })

    test('registrations left pending by a restart are resumed on start', async () => {
      const fresh = await trainRun(t.app, { files: { 'MLmodel': Buffer.from('flavors: {}\n') } })
      const model = (await t.store.registry.get('churn'))!
      const pendingVersion = async (source: string, runId: string) =>
        String(
          await t.store.registry.versions.create(
            { modelId: model.model_id, source, runId, tags: [], status: 'PENDING_REGISTRATION', now: Date.now() },
            { who: 'test' },
          ),
        )
      const ok = await pendingVersion(`runs:/${fresh.runId}/model`, fresh.runId)
      // The first run's files were deleted above, so its copy fails, with the reason.
      const doomed = await pendingVersion(`runs:/${run.runId}/model`, run.runId)
      const get = (version: string) => api.mlflow('GET', '/model-versions/get', { name: 'churn', version })
      assert.equal((await get(ok)).body.model_version.status, 'PENDING_REGISTRATION')

      await t.services.registry.start()
      const ready = await waitUntilRegistered(() => get(ok))
      assert.equal(ready.body.model_version.status, 'READY')
      const file = await fileOf(ok, 'MLmodel')
      assert.equal(file.body, 'flavors: {}\n')
      const failed = await waitUntilRegistered(() => get(doomed))
      assert.equal(failed.body.model_version.status, 'FAILED_REGISTRATION')
      assert.match(failed.body.model_version.status_message, /no files/)
      assert.equal((await api.railyard('GET', '/model-versions/files', { name: 'churn', version: doomed })).status, 400)
      const alias = await api.mlflow('POST', '/registered-models/alias', { name: 'churn', alias: 'broken', version: doomed })
      assert.equal(alias.status, 400)
      assert.match(alias.body.message, /failed registration/)
    })
  })
}
