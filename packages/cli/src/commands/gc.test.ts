import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildApp, defaultConfig, type App } from '@railyard/server'
import { trainRun } from '@railyard/server/routes/registry-fixtures.js'
import { runCli } from '../testing/cli.js'
import { parseDuration } from './gc.js'

describe('railyard gc', () => {
  let home: string
  let app: App
  let url: string
  let versionFiles: string[]
  // As the server was started: from RAILYARD_HOME, with no flags.
  const gc = (...args: string[]) => runCli(['gc', ...args], { env: { RAILYARD_HOME: home } })
  const onDisk = (key: string) => fs.existsSync(path.join(home, 'artifacts', key))

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-cli-gc-'))
    app = await buildApp(defaultConfig({ RAILYARD_HOME: home }))
    url = await app.app.listen({ host: '127.0.0.1', port: 0 })
    const run = await trainRun(app.app)
    const res = await fetch(`${url}/api/2.0/mlflow/registered-models/create`, { method: 'POST', body: JSON.stringify({ name: 'churn' }), headers: { 'content-type': 'application/json' } })
    assert.equal(res.status, 200)
    const created = await fetch(`${url}/api/2.0/mlflow/model-versions/create`, {
      method: 'POST',
      body: JSON.stringify({ name: 'churn', source: `runs:/${run.runId}/model` }),
      headers: { 'content-type': 'application/json' },
    })
    assert.equal((await created.json()).model_version.status, 'READY')
    const row = await app.services.registry.versions.row('churn', 1)
    const objects = app.services.registry.objects
    const tree = await objects.getTree(row.storage_location!)
    versionFiles = [tree.oid, ...tree.entries.map((e) => e.oid)].map((oid) => objects.keyOf(oid)).sort()
  })
  after(async () => {
    await app.close()
    fs.rmSync(home, { recursive: true, force: true })
  })

  test('--min-age takes durations; anything else is a usage error (exit 2)', async () => {
    assert.equal(parseDuration('24h'), 86_400_000)
    assert.equal(parseDuration('30m'), 1_800_000)
    assert.equal(parseDuration('1.5h'), 5_400_000)
    assert.equal(parseDuration('0'), 0)
    assert.throws(() => parseDuration('12'))
    assert.throws(() => parseDuration('-1h'))
    const bad = await gc('--min-age', 'soon')
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /--min-age.*expected a duration such as 30m, 24h or 7d/)
  })

  test('a database that does not exist is refused, not created (exit 1)', async () => {
    const missing = path.join(home, 'nowhere', 'railyard.db')
    const res = await gc('--backend-store-uri', `sqlite:///${missing.replace(/^\//, '')}`, '--min-age', '0')
    assert.equal(res.code, 1)
    assert.match(res.stderr, /There is no database at .*nowhere\/railyard\.db/)
    assert.equal(fs.existsSync(path.dirname(missing)), false)
  })

  test("a live version's files stay; once the model is deleted a dry run lists them and --apply deletes them", async () => {
    const live = await gc('--min-age', '0', '--apply')
    assert.equal(live.code, 0, live.stderr)
    assert.match(live.stdout, /^Deleted 0 objects \(0 B\)\.\nKept 4 objects \([\d.]+ kB\) still referenced, 0 objects \(0 B\) younger than 0ms\.\n$/)
    assert.match(live.stderr, /^Collecting garbage in .*artifacts \(database sqlite:.*railyard\.db\)$/m)
    assert.match(live.stderr, /^Marking: 1 model version, 0 dataset versions, 3 files/m)
    assert.match(live.stderr, /^Warning: a --min-age under 1h/m)
    for (const key of versionFiles) assert.ok(onDisk(key))

    const del = await fetch(`${url}/api/2.0/mlflow/registered-models/delete`, { method: 'DELETE', body: JSON.stringify({ name: 'churn' }), headers: { 'content-type': 'application/json' } })
    assert.equal(del.status, 200)

    // The default grace period keeps objects written a moment ago.
    const young = await gc()
    assert.equal(young.code, 0, young.stderr)
    assert.match(young.stdout, /^Would delete 0 objects \(0 B\)\.\nKept 0 objects \(0 B\) still referenced, 4 objects \([\d.]+ kB\) younger than 1d\.\n$/)

    const dry = await gc('--min-age', '0', '--verbose')
    assert.equal(dry.code, 0, dry.stderr)
    const lines = dry.stdout.trim().split('\n')
    assert.deepEqual(lines.slice(0, 4).sort(), versionFiles)
    assert.match(lines[4], /^Would delete 4 objects \([\d.]+ kB\)\.$/)
    assert.equal(lines.at(-1), 'Nothing was deleted: run again with --apply to delete them.')
    for (const key of versionFiles) assert.ok(onDisk(key), 'a dry run deletes nothing')

    // The same store named by flags instead of RAILYARD_HOME.
    const flags = ['--backend-store-uri', defaultConfig({ RAILYARD_HOME: home }).backendStoreUri, '--artifacts-destination', path.join(home, 'artifacts')]
    const applied = await runCli(['gc', '--min-age', '0', '--apply', '--json', '--verbose', ...flags])
    assert.equal(applied.code, 0, applied.stderr)
    const report = JSON.parse(applied.stdout)
    assert.equal(report.dry_run, false)
    assert.equal(report.deleted.objects, 4)
    assert.deepEqual(report.keys.sort(), versionFiles)
    for (const key of versionFiles) assert.equal(onDisk(key), false)

    const again = await gc('--min-age', '0', '--apply', '--json')
    assert.equal(again.code, 0, again.stderr)
    assert.deepEqual(JSON.parse(again.stdout).garbage, { objects: 0, bytes: 0 })
  })
})
