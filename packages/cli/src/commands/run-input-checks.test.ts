import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { runCli, startServer, type TestServer } from '../testing/cli.js'

// `railyard run` checks what it was given before the run exists, so a mistake leaves nothing behind.
describe('railyard run with a dataset that does not exist', () => {
  let server: TestServer
  let lake: string
  let marker: string
  let cli: (...args: string[]) => ReturnType<typeof runCli>
  /** The command under test: writes `marker` if it ever starts. */
  let touch: string[]

  const experimentId = async (name: string): Promise<string | undefined> => {
    const res = await fetch(`${server.url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`)
    return res.ok ? (await res.json()).experiment.experiment_id : undefined
  }
  const runsOf = async (id: string): Promise<any[]> =>
    (await server.api('POST', '/api/2.0/mlflow/runs/search', { experiment_ids: [id], run_view_type: 'ALL' })).runs ?? []
  const freezesOf = async (id: string): Promise<any[]> =>
    (await server.api('GET', '/api/2.0/railyard/datasets/freezes', { experiment_id: id })).freezes ?? []

  before(async () => {
    server = await startServer('sqlite')
    lake = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-cli-run-checks-'))
    fs.writeFileSync(path.join(lake, 'a.txt'), 'a\n')
    marker = path.join(lake, '..', `${path.basename(lake)}.ran`)
    touch = [process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, '1')`]
    cli = (...args) => runCli(args, { env: { RAILYARD_TRACKING_URI: server.url } })
    assert.equal((await cli('datastores', 'add', 'lake', '--kind', 'local', '--root', lake)).code, 0)
    assert.equal((await cli('datasets', 'create', 'corpus', '--datastore', 'lake')).code, 0)
    assert.equal((await cli('experiments', 'create', 'exp1')).code, 0)
  })
  after(async () => {
    await server.close()
    fs.rmSync(lake, { recursive: true, force: true })
    fs.rmSync(marker, { force: true })
  })

  test('exit 1 naming the dataset; no run, no freeze, the command never starts', async () => {
    const id = (await experimentId('exp1'))!
    for (const datasets of ['nope', 'corpus,nope']) {
      const res = await cli('run', '-e', 'exp1', '--dataset', datasets, '--', ...touch)
      assert.equal(res.code, 1, res.stderr)
      assert.equal(res.stderr, "railyard: Dataset 'nope' does not exist (RESOURCE_DOES_NOT_EXIST)\n")
    }
    assert.deepEqual(await runsOf(id), [])
    assert.deepEqual(await freezesOf(id), [], 'corpus, which exists, was not frozen either')
    assert.equal(fs.existsSync(marker), false)
  })

  test('an experiment named for the first time is not created', async () => {
    const res = await cli('run', '-e', 'never-made', '--dataset', 'nope', '--', ...touch)
    assert.equal(res.code, 1, res.stderr)
    assert.equal(await experimentId('never-made'), undefined)
  })

  test('a joined run (--run-id) is left as it was', async () => {
    const id = (await experimentId('exp1'))!
    const first = await cli('run', '-e', 'exp1', '--dataset', 'corpus', '-q', '--', 'true')
    assert.equal(first.code, 0, first.stderr)
    const [run] = await runsOf(id)
    assert.equal(run.info.status, 'FINISHED')

    const res = await cli('run', '--run-id', run.info.run_id, '--dataset', 'nope', '--', ...touch)
    assert.equal(res.code, 1, res.stderr)
    assert.match(res.stderr, /Dataset 'nope' does not exist/)
    const [again] = await runsOf(id)
    assert.equal(again.info.status, 'FINISHED')
    assert.equal(again.info.end_time, run.info.end_time)
    assert.equal(fs.existsSync(marker), false)
  })

  test('the first run that uses a dataset still freezes it, and records itself as the one that did', async () => {
    assert.equal((await cli('experiments', 'create', 'exp2')).code, 0)
    const id = (await experimentId('exp2'))!
    const res = await cli('run', '-e', 'exp2', '--dataset', 'corpus', '--', 'true')
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stderr, /railyard: dataset corpus at version [0-9a-f]{12} \(1 files, frozen now\)/)
    const [run] = await runsOf(id)
    const [freeze] = await freezesOf(id)
    assert.equal(freeze.dataset, 'corpus')
    assert.equal(freeze.run_id, run.info.run_id)
  })
})
