import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { DIALECTS } from '@railyard/server/testing/databases.js'
import { closedPort, runCli, startCli, startServer, type TestServer } from '../testing/cli.js'

const children = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../testing/children')
const TRAIN = path.join(children, 'train.mjs')
const SLEEPER = path.join(children, 'sleeper.mjs')

interface LogLine {
  seq: number
  stream: 'stdout' | 'stderr'
  line: string
}

/** A git repository with one commit, made dirty when asked. */
function gitRepo(dirty: boolean): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-cli-git-'))
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd: dir })
  git('init', '-q')
  fs.writeFileSync(path.join(dir, 'train.cfg'), 'lr=0.01\n')
  git('add', '.')
  git('commit', '-q', '-m', 'first')
  if (dirty) fs.writeFileSync(path.join(dir, 'train.cfg'), 'lr=0.1\n')
  return dir
}

async function runOf(server: TestServer, runId: string) {
  return (await server.api('GET', '/api/2.0/mlflow/runs/get', { run_id: runId })).run
}

async function logsOf(server: TestServer, runId: string): Promise<LogLine[]> {
  return (await server.api('GET', '/api/2.0/railyard/runs/logs', { run_id: runId })).lines ?? []
}

function runIdFrom(stderr: string): string {
  const m = /railyard: run ([0-9a-f]{32}) /.exec(stderr)
  assert.ok(m, `no run id in: ${stderr}`)
  return m[1]
}

const tagsOf = (run: any): Record<string, string> => Object.fromEntries((run.data.tags ?? []).map((t: any) => [t.key, t.value]))

for (const dialect of DIALECTS) {
  describe(`railyard run (${dialect})`, () => {
    let server: TestServer
    let repo: string
    before(async () => {
      server = await startServer(dialect)
      repo = gitRepo(true)
    })
    after(async () => {
      await server.close()
      fs.rmSync(repo, { recursive: true, force: true })
    })

    test('a command that succeeds: FINISHED, its metrics, its output in order, command and git tags', async () => {
      // The script lives in the repository whose commit is recorded (MLflow takes the script's repository).
      const script = path.join(repo, 'train.mjs')
      fs.copyFileSync(TRAIN, script)
      const res = await runCli(['run', '--experiment', 'cli-train', '--name', 'baseline', '--tracking-uri', server.url, '--', 'node', script], { cwd: repo })
      assert.equal(res.code, 0, res.stderr)
      // Output is echoed as the command wrote it.
      assert.match(res.stdout, /epoch 0 loss=1\.000\nepoch 1 loss=0\.500\n/)
      assert.match(res.stderr, /warning: learning rate is high/)
      const runId = runIdFrom(res.stderr)

      const run = await runOf(server, runId)
      assert.equal(run.info.status, 'FINISHED')
      assert.equal(run.info.run_name, 'baseline')
      assert.ok(run.info.end_time >= run.info.start_time)
      const experiment = (await server.api('GET', '/api/2.0/mlflow/experiments/get-by-name', { experiment_name: 'cli-train' })).experiment
      assert.equal(run.info.experiment_id, experiment.experiment_id)
      assert.deepEqual(run.data.params, [{ key: 'lr', value: '0.01' }])
      const history = await server.api('GET', '/api/2.0/mlflow/metrics/get-history', { run_id: runId, metric_key: 'loss' })
      assert.deepEqual(history.metrics.map((m: any) => [m.step, m.value]), [[0, 1], [1, 0.5], [2, 1 / 3]])

      const tags = tagsOf(run)
      assert.equal(tags['railyard.command'], `node ${script}`)
      assert.equal(tags['mlflow.source.type'], 'LOCAL')
      assert.equal(tags['mlflow.source.name'], script)
      const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo }).toString().trim()
      assert.equal(tags['mlflow.source.git.commit'], head)
      assert.equal(tags['mlflow.source.git.branch'], 'main')
      assert.equal(tags['railyard.git.dirty'], 'true')

      const lines = await logsOf(server, runId)
      assert.deepEqual(lines.map((l) => l.seq), lines.map((_, i) => i + 1))
      const of = (stream: string) => lines.filter((l) => l.stream === stream).map((l) => l.line)
      assert.deepEqual(of('stdout'), [
        `env run=${runId} experiment=${experiment.experiment_id} railyard=true`,
        'epoch 0 loss=1.000',
        'epoch 1 loss=0.500',
        'epoch 2 loss=0.333',
        'done',
      ])
      assert.deepEqual(of('stderr'), ['warning: learning rate is high'])
    })
  })
}

describe('railyard run: failures, signals, unreachable server', () => {
  let server: TestServer
  before(async () => {
    server = await startServer('sqlite')
  })
  after(() => server.close())

  test('a command that exits 3: FAILED, railyard exits 3, stderr lines are in the log', async () => {
    const outsideGit = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-cli-nogit-'))
    const script = path.join(outsideGit, 'train.mjs')
    fs.copyFileSync(TRAIN, script)
    const res = await runCli(['run', '-e', 'cli-fail', '--tracking-uri', server.url, '--', 'node', script, '3'], { cwd: outsideGit })
    assert.equal(res.code, 3)
    const runId = runIdFrom(res.stderr)
    const run = await runOf(server, runId)
    assert.equal(run.info.status, 'FAILED')
    assert.equal(run.data.metrics[0].key, 'loss')
    const lines = await logsOf(server, runId)
    assert.deepEqual(lines.filter((l) => l.stream === 'stderr').map((l) => l.line), [
      'warning: learning rate is high',
      'giving up with exit code 3',
    ])
    // Outside a git repository: no git tags.
    assert.equal(tagsOf(run)['mlflow.source.git.commit'], undefined)
  })

  test('joining a run (--run-id) appends its output after the lines the log already has', async () => {
    const outsideGit = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-cli-nogit-'))
    const first = await runCli(['run', '-e', 'cli-join', '--tracking-uri', server.url, '--', 'node', TRAIN, '0'], { cwd: outsideGit })
    const runId = runIdFrom(first.stderr)
    const before = await logsOf(server, runId)
    const again = await runCli(['run', '--run-id', runId, '--tracking-uri', server.url, '--', 'node', TRAIN, '3'], { cwd: outsideGit })
    assert.equal(again.code, 3)
    assert.doesNotMatch(again.stderr, /without sequence checks/, 'the joined log was continued where it ended')
    const after = await logsOf(server, runId)
    assert.deepEqual(after.slice(0, before.length), before)
    assert.deepEqual(after.map((l) => l.seq), after.map((_, i) => i + 1))
    assert.ok(after.slice(before.length).some((l) => l.line === 'giving up with exit code 3'))
  })

  test('SIGTERM is passed to the command; the run ends KILLED with every line, exit 128+15', async () => {
    const cli = startCli(['run', '-e', 'cli-kill', '--tracking-uri', server.url, '--', 'node', SLEEPER])
    await cli.waitFor(/tick 2\n/)
    cli.child.kill('SIGTERM')
    const res = await cli.done
    assert.equal(res.code, 143, res.stderr)
    const runId = runIdFrom(res.stderr)
    const run = await runOf(server, runId)
    assert.equal(run.info.status, 'KILLED')
    const lines = (await logsOf(server, runId)).map((l) => l.line)
    assert.equal(lines.at(-1), 'got SIGTERM, saving checkpoint')
    assert.deepEqual(lines.slice(0, 3), ['tick 0', 'tick 1', 'tick 2'])
  })

  test('when the server refuses the log mid-run, the command runs on and its exit code stands', async () => {
    const cli = startCli(['run', '-e', 'cli-refused', '--tracking-uri', server.url, '--', 'node', SLEEPER, '30'])
    await cli.waitFor(/tick 2\n/)
    const runId = runIdFrom(cli.out.stderr)
    // A deleted run takes no more log lines: every later append is refused with a 400.
    await server.api('POST', '/api/2.0/mlflow/runs/delete', { run_id: runId })
    const res = await cli.done
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /tick 29\nfinished all ticks\n$/)
    assert.match(res.stderr, /output is no longer sent to the server/)
    // A deleted run's status can't change either; that is reported, not fatal.
    assert.match(res.stderr, new RegExp(`could not set run ${runId} to FINISHED`))
    assert.doesNotMatch(res.stderr, /\n\s+at /)
  })

  test('a command that does not exist: FAILED and exit 127', async () => {
    const res = await runCli(['run', '-e', 'cli-missing', '--tracking-uri', server.url, '--', 'no-such-command-railyard-test'])
    assert.equal(res.code, 127)
    assert.match(res.stderr, /command not found: no-such-command-railyard-test/)
    const run = await runOf(server, runIdFrom(res.stderr))
    assert.equal(run.info.status, 'FAILED')
  })

  test('an unreachable server: exit 1 naming the URL, and the command never starts', async () => {
    const marker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-cli-')), 'ran')
    const url = `http://127.0.0.1:${await closedPort()}`
    const res = await runCli(['run', '-e', 'x', '--', 'node', '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, '1')`], {
      env: { MLFLOW_TRACKING_URI: url },
    })
    assert.equal(res.code, 1)
    assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr)
    assert.match(res.stderr, new RegExp(`cannot reach the tracking server at ${url.replace(/\./g, '\\.')} \\(connection refused\\)`))
    assert.equal(fs.existsSync(marker), false)
  })
})
