import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DIALECTS } from '@railyard/server/testing/databases.js'
import type { SnapshotEvent } from '@railyard/api'
import { RailyardClient } from '../client.js'
import { startRun } from '../fluent.js'
import { startTestServer, type TestServer } from '../testing/server.js'
import { localUser } from '../config.js'

/** Writes `files` (relative path → content) below `root`. */
function writeFiles(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true })
    fs.writeFileSync(path.join(root, rel), content)
  }
}

const FRIDAY = {
  'train/0001.json': '{"text":"good morning","label":1}\n',
  'train/0002.json': '{"text":"awful traffic","label":0}\n',
  'test/0001.json': '{"text":"fine weather","label":1}\n',
}
const WEEKEND = {
  'train/0003.json': '{"text":"new tweet from saturday","label":1}\n',
  'train/0004.json': '{"text":"another from sunday","label":0}\n',
}

for (const dialect of DIALECTS) {
  describe(`the Monday test: data frozen per experiment, end to end through the SDK (${dialect})`, () => {
    let server: TestServer
    let client: RailyardClient
    let lake: string
    let scratch: string

    before(async () => {
      server = await startTestServer(dialect)
      client = new RailyardClient({ trackingUri: server.url, retries: { retries: 2, baseDelayMs: 5 } })
      lake = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-lake-'))
      scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-scratch-'))
      writeFiles(path.join(lake, 'tweets'), FRIDAY)
      // Outside the dataset's folder: never part of its versions.
      writeFiles(lake, { 'other/ignored.json': '{}' })
    })
    after(async () => {
      await server.close()
      fs.rmSync(lake, { recursive: true, force: true })
      fs.rmSync(scratch, { recursive: true, force: true })
    })

    test('snapshot, run 1, new files land, run 2 sees run 1’s files, a new experiment sees the new ones, refresh-data moves the freeze and is audited', async () => {
      const store = await client.datasets.createDatastore({ name: 'lake', kind: 'local', config: { root: lake } })
      assert.equal(store.kind, 'local')
      assert.equal(store.credentials.type, 'none')
      await client.datasets.create({ name: 'tweets', datastore: 'lake', path: 'tweets', description: 'labelled tweets' })

      // Friday: a snapshot, with progress read from the NDJSON stream.
      const events: SnapshotEvent[] = []
      const friday = await client.datasets.snapshot('tweets', { message: 'friday', onProgress: (e) => events.push(e) })
      assert.equal(friday.reused, false)
      assert.equal(friday.version.file_count, 3)
      assert.equal(friday.version.total_bytes, Object.values(FRIDAY).join('').length)
      assert.match(friday.version.id, /^sha256:[0-9a-f]{64}$/)
      assert.equal(events.at(-1)?.phase, 'done')
      assert.ok(events.some((e) => e.phase === 'hashing' || e.phase === 'listing'), `phases: ${events.map((e) => e.phase)}`)

      // Run 1 of experiment "friday" freezes the dataset.
      const run1 = await startRun({ client, experimentName: 'friday', runName: 'run-1' })
      const ds1 = await run1.useDataset('tweets')
      assert.equal(ds1.created, true)
      assert.equal(ds1.versionId, friday.version.id, 'the same files give the same version')
      assert.equal(ds1.datastore?.name, 'lake')
      const files1 = await ds1.files.paths()
      assert.deepEqual(files1, Object.keys(FRIDAY).sort())
      assert.equal((await ds1.readFile('train/0002.json')).toString(), FRIDAY['train/0002.json'])
      await run1.end()

      // The weekend: new files land in the datastore.
      writeFiles(path.join(lake, 'tweets'), WEEKEND)

      // Monday, run 2 of the same experiment: exactly run 1's files, none of the new ones.
      const run2 = await startRun({ client, experimentName: 'friday', runName: 'run-2' })
      const ds2 = await run2.useDataset('tweets', { materializeTo: path.join(scratch, 'run2') })
      assert.equal(ds2.created, false)
      assert.equal(ds2.versionId, ds1.versionId)
      assert.deepEqual(await ds2.files.paths(), files1)
      assert.deepEqual(listTree(path.join(scratch, 'run2')), files1)
      for (const rel of files1) assert.equal(fs.readFileSync(path.join(scratch, 'run2', rel), 'utf8'), FRIDAY[rel as keyof typeof FRIDAY])
      await run2.end()

      // Both runs record the version as an MLflow run input.
      for (const run of [run1, run2]) {
        const inputs = (await client.runs.get(run.runId)).inputs?.dataset_inputs ?? []
        const input = inputs.find((i) => i.dataset.name === 'tweets')
        assert.ok(input, `run ${run.runId} has no input for tweets: ${JSON.stringify(inputs)}`)
        assert.equal(input.dataset.digest, ds1.version.short_id)
        assert.equal(JSON.parse(input.dataset.source).version_id, ds1.versionId)
      }

      // A new experiment starts from the newest data.
      const run3 = await startRun({ client, experimentName: 'monday', runName: 'fresh' })
      const ds3 = await run3.useDataset('tweets')
      assert.equal(ds3.created, true)
      assert.notEqual(ds3.versionId, ds1.versionId)
      const files3 = await ds3.files.paths()
      assert.deepEqual(files3, [...Object.keys(FRIDAY), ...Object.keys(WEEKEND)].sort())
      await run3.end()

      const diff = await client.datasets.diffAll('tweets', ds1.versionId, ds3.versionId)
      assert.deepEqual(diff.added?.map((e) => e.path), Object.keys(WEEKEND).sort())
      assert.deepEqual(diff.removed ?? [], [])
      assert.deepEqual(diff.modified ?? [], [])
      assert.equal(diff.summary.unchanged, 3)

      // The "friday" experiment still sees Friday's files, until refresh-data moves it on.
      const fridayId = run1.experimentId
      const [frozen] = await client.datasets.freezes(fridayId, 'tweets')
      assert.equal(frozen.version.id, ds1.versionId)
      const moved = await client.datasets.refresh(fridayId, { dataset: 'tweets', reason: 'the weekend tweets are labelled now' })
      assert.equal(moved.length, 1)
      assert.equal(moved[0].version.id, ds3.versionId, 'a refresh takes the newest data, which is the version of the same files')

      const run4 = await startRun({ client, experimentName: 'friday', runName: 'after-refresh' })
      const ds4 = await run4.useDataset('tweets')
      assert.equal(ds4.versionId, ds3.versionId)
      assert.deepEqual(await ds4.files.paths(), files3)
      await run4.end()

      // The audit: the first use by run 1, then the refresh with who and why.
      const history = (await client.datasets.freezeHistory(fridayId, { dataset: 'tweets' })).items
      assert.deepEqual(history.map((e) => e.action), ['refresh', 'freeze'])
      const [refresh, freeze] = history
      assert.equal(refresh.from_version, ds1.versionId)
      assert.equal(refresh.to_version, ds3.versionId)
      assert.equal(refresh.reason, 'the weekend tweets are labelled now')
      assert.equal(refresh.who, localUser())
      assert.equal(freeze.to_version, ds1.versionId)
      assert.equal(freeze.run_id, run1.runId)
      assert.ok(refresh.timestamp >= freeze.timestamp)
    })

    test('re-snapshot of unchanged files reuses the version; versions list newest first', async () => {
      const again = await client.datasets.snapshot('tweets')
      assert.equal(again.reused, true)
      const versions = (await client.datasets.listVersions('tweets')).items
      assert.equal(versions.length, 2)
      assert.equal(versions[0].file_count, 5)
      assert.equal(versions[1].message, 'friday')
      const byPrefix = await client.datasets.getVersion('tweets', versions[1].short_id)
      assert.equal(byPrefix.id, versions[1].id)
      const page = await client.datasets.listFiles('tweets', 'latest', { prefix: 'train/', maxResults: 2 })
      assert.deepEqual(page.items.map((f) => f.path), ['train/0001.json', 'train/0002.json'])
      assert.ok(page.nextPageToken)
    })
  })
}

/** Relative paths of the files below `dir`, `/`-separated and sorted. */
function listTree(dir: string): string[] {
  const out: string[] = []
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name
      if (e.isDirectory()) walk(p)
      else out.push(p)
    }
  }
  walk('')
  return out.sort()
}
