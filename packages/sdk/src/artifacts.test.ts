import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { DIALECTS } from '@railyard/server/testing/databases.js'
import { InvalidParameterError, NotFoundError } from '@railyard/api'
import { RailyardClient } from './client.js'
import { startRun } from './fluent.js'
import { cleanArtifactPath, proxiedRoot } from './artifact-paths.js'
import { startTestServer, type TestServer } from './testing/server.js'

for (const dialect of DIALECTS) {
  describe(`artifacts through the server proxy (${dialect})`, () => {
    let server: TestServer
    let client: RailyardClient
    let work: string
    before(async () => {
      server = await startTestServer(dialect)
      client = new RailyardClient({ trackingUri: server.url, retries: { retries: 2, baseDelayMs: 5 } })
      work = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-sdk-artifacts-'))
    })
    after(async () => {
      await server.close()
      fs.rmSync(work, { recursive: true, force: true })
    })

    test('upload, uploadDir, list and download round trip byte for byte', async () => {
      const run = await startRun({ client, experimentName: 'artifacts' })
      const big = randomBytes(3 * 1024 * 1024 + 7)
      fs.writeFileSync(path.join(work, 'model.bin'), big)
      fs.writeFileSync(path.join(work, 'empty.txt'), '')
      const tree = path.join(work, 'report')
      fs.mkdirSync(path.join(tree, 'plots', 'deep'), { recursive: true })
      fs.writeFileSync(path.join(tree, 'summary.json'), '{"acc":0.9}')
      fs.writeFileSync(path.join(tree, 'plots', 'loss curve ü.svg'), '<svg/>')
      fs.writeFileSync(path.join(tree, 'plots', 'deep', 'x.csv'), 'a,b\n1,2\n')

      assert.equal(await run.logArtifact(path.join(work, 'model.bin'), 'models/v1'), 'models/v1/model.bin')
      assert.equal(await run.logArtifact(path.join(work, 'empty.txt')), 'empty.txt')
      assert.deepEqual(await run.logArtifacts(tree, 'report'), [
        'report/plots/deep/x.csv',
        'report/plots/loss curve ü.svg',
        'report/summary.json',
      ])
      await run.end()

      assert.deepEqual(await client.artifacts.list(run.runId), [
        { path: 'empty.txt', is_dir: false, file_size: 0 },
        { path: 'models', is_dir: true },
        { path: 'report', is_dir: true },
      ])
      assert.deepEqual(await client.artifacts.list(run.runId, 'models/v1'), [
        { path: 'models/v1/model.bin', is_dir: false, file_size: big.length },
      ])
      assert.deepEqual(await client.artifacts.list(run.runId, 'nothing-here'), [])

      const dst = path.join(work, 'download')
      const file = await client.artifacts.download(run.runId, 'models/v1/model.bin', dst)
      assert.equal(file, path.join(dst, 'models', 'v1', 'model.bin'))
      assert.ok(fs.readFileSync(file).equals(big))

      const dir = await client.artifacts.download(run.runId, 'report', dst)
      assert.equal(dir, path.join(dst, 'report'))
      assert.equal(fs.readFileSync(path.join(dir, 'plots', 'loss curve ü.svg'), 'utf8'), '<svg/>')
      assert.equal(fs.readFileSync(path.join(dir, 'plots', 'deep', 'x.csv'), 'utf8'), 'a,b\n1,2\n')
      assert.equal(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'), '{"acc":0.9}')
      assert.ok(!fs.readdirSync(path.join(dir, 'plots')).some((f) => f.endsWith('.part')))

      const whole = await client.artifacts.download(run.runId)
      assert.equal(fs.readFileSync(path.join(whole, 'empty.txt'), 'utf8'), '')
      assert.ok(fs.readFileSync(path.join(whole, 'models', 'v1', 'model.bin')).equals(big))
      fs.rmSync(whole, { recursive: true, force: true })
    })

    test('an upload replaces the file; missing paths are NotFoundError; escaping paths never leave the client', async () => {
      const run = await startRun({ client })
      const local = path.join(work, 'notes.txt')
      fs.writeFileSync(local, 'first')
      await run.logArtifact(local)
      fs.writeFileSync(local, 'second')
      await run.logArtifact(local)
      const got = await client.artifacts.download(run.runId, 'notes.txt', path.join(work, 'again'))
      assert.equal(fs.readFileSync(got, 'utf8'), 'second')
      await assert.rejects(client.artifacts.download(run.runId, 'nope.txt', work), NotFoundError)
      await assert.rejects(run.logArtifact(local, '../escape'), InvalidParameterError)
      await assert.rejects(client.artifacts.list(run.runId, '/etc'), InvalidParameterError)
      await assert.rejects(client.artifacts.list('f'.repeat(32)), NotFoundError)
      await run.end()
    })

    test('a folder given to logArtifact is refused at once, naming logArtifacts; a missing file is ENOENT, not a network error', async () => {
      const run = await startRun({ client })
      const folder = path.join(work, 'a-folder')
      fs.mkdirSync(folder, { recursive: true })
      fs.writeFileSync(path.join(folder, 'inside.txt'), 'x')
      const started = Date.now()
      await assert.rejects(run.logArtifact(folder, 'out'), (err: Error) => {
        assert.ok(err instanceof InvalidParameterError, `${err.name}: ${err.message}`)
        assert.match(err.message, /a-folder' is a folder.*logArtifacts/)
        return true
      })
      await assert.rejects(run.logArtifact(path.join(work, 'not-there.txt')), { code: 'ENOENT' })
      // Refused before any request, so no retries and no backoff.
      assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`)
      assert.deepEqual(await client.artifacts.list(run.runId), [])
      // The folder itself still uploads the way it should.
      assert.deepEqual(await run.logArtifacts(folder, 'out'), ['out/inside.txt'])
      await run.end()
    })
  })
}

test('artifact paths: proxied roots and relative paths', () => {
  assert.equal(proxiedRoot('mlflow-artifacts:/1/abc/artifacts'), '1/abc/artifacts')
  assert.equal(proxiedRoot('mlflow-artifacts://host:5000/1/abc/artifacts/'), '1/abc/artifacts')
  assert.throws(() => proxiedRoot('s3://bucket/1/abc/artifacts'), InvalidParameterError)
  assert.equal(cleanArtifactPath('a//b/'), 'a/b')
  assert.equal(cleanArtifactPath(undefined), '')
  assert.throws(() => cleanArtifactPath('a/../b'), InvalidParameterError)
  assert.throws(() => cleanArtifactPath('C:\\x'), InvalidParameterError)
})
