import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { runCli, startCli, startServer, type TestServer } from '../testing/cli.js'

describe('railyard experiments and runs listings', () => {
  let server: TestServer
  let cli: (...args: string[]) => ReturnType<typeof runCli>
  const runIds: Record<string, string> = {}

  before(async () => {
    server = await startServer('sqlite')
    // The tracking URI comes from the environment here; other tests pass --tracking-uri.
    cli = (...args) => runCli(args, { env: { MLFLOW_TRACKING_URI: server.url } })
  })
  after(() => server.close())

  test('experiments create prints the id; a taken name is a one-line error, exit 1', async () => {
    const plain = await cli('experiments', 'create', 'alpha')
    assert.equal(plain.code, 0, plain.stderr)
    assert.match(plain.stdout, /^\d+\n$/)
    const json = await cli('experiments', 'create', 'beta', '--tag', 'team=vision', '--json')
    const betaId = JSON.parse(json.stdout).experiment_id
    const beta = (await server.api('GET', '/api/2.0/mlflow/experiments/get', { experiment_id: betaId })).experiment
    assert.deepEqual(beta.tags, [{ key: 'team', value: 'vision' }])
    const dup = await cli('experiments', 'create', 'alpha')
    assert.equal(dup.code, 1)
    assert.match(dup.stderr, /^railyard: .*alpha.*already exists.*\(RESOURCE_ALREADY_EXISTS\)\n$/)

    // Runs to list: three in alpha with an accuracy, one in beta.
    const alphaId = plain.stdout.trim()
    for (const [name, acc, exp] of [['a1', 0.6, alphaId], ['a2', 0.9, alphaId], ['a3', 0.3, alphaId], ['b1', 0.7, betaId]] as const) {
      const { run } = await server.api('POST', '/api/2.0/mlflow/runs/create', { experiment_id: exp, run_name: name, start_time: Date.now() })
      runIds[name] = run.info.run_id
      await server.api('POST', '/api/2.0/mlflow/runs/log-batch', {
        run_id: run.info.run_id,
        metrics: [{ key: 'acc', value: acc, timestamp: Date.now(), step: 0 }],
        params: [{ key: 'model', value: name.startsWith('a') ? 'xgb' : 'cnn' }],
      })
    }
  })

  test('experiments ls: a table for people, JSON for scripts', async () => {
    const [table, json] = await Promise.all([cli('experiments', 'ls'), cli('experiments', 'ls', '--json')])
    assert.equal(table.code, 0, table.stderr)
    const [header, ...rows] = table.stdout.trimEnd().split('\n')
    assert.match(header, /^ID\s+NAME\s+CREATED\s+ARTIFACT LOCATION$/)
    assert.deepEqual(rows.map((r) => r.split(/\s+/)[1]).sort(), ['Default', 'alpha', 'beta'])
    const parsed = JSON.parse(json.stdout)
    assert.deepEqual(parsed.map((e: any) => e.name).sort(), ['Default', 'alpha', 'beta'])
    assert.ok(parsed.every((e: any) => typeof e.experiment_id === 'string' && e.lifecycle_stage === 'active'))
  })

  test('runs ls filters, orders and limits; --json gives whole runs', async () => {
    const res = await cli('runs', 'ls', '--experiment', 'alpha', '--filter', 'metrics.acc > 0.5', '--order-by', 'metrics.acc DESC', '--json')
    assert.equal(res.code, 0, res.stderr)
    const runs = JSON.parse(res.stdout)
    assert.deepEqual(runs.map((r: any) => r.info.run_name), ['a2', 'a1'])
    assert.deepEqual(runs[0].data.params, [{ key: 'model', value: 'xgb' }])

    const [limited, everything, byId] = await Promise.all([
      cli('runs', 'ls', '-e', 'alpha', '--order-by', 'metrics.acc', '--max', '2'),
      cli('runs', 'ls', '--json'),
      cli('runs', 'ls', '-e', runs[0].info.experiment_id, '--json'),
    ])
    const [header, ...rows] = limited.stdout.trimEnd().split('\n')
    assert.match(header, /^RUN ID\s+NAME\s+STATUS\s+STARTED\s+DURATION$/)
    assert.deepEqual(rows.map((r) => r.split(/\s+/).slice(0, 3)), [
      [runIds.a3, 'a3', 'RUNNING'],
      [runIds.a1, 'a1', 'RUNNING'],
    ])
    assert.match(limited.stderr, /showing the first 2 runs/)
    assert.deepEqual(JSON.parse(everything.stdout).map((r: any) => r.info.run_name).sort(), ['a1', 'a2', 'a3', 'b1'])
    assert.equal(JSON.parse(byId.stdout).length, 3)
    // Runs of several experiments name their experiment.
    const mixed = await cli('runs', 'ls')
    assert.match(mixed.stdout.split('\n')[0], /\sEXPERIMENT$/)
    assert.match(mixed.stdout, new RegExp(`${runIds.b1}\\s+b1\\s+.*\\sbeta\\n`))
    assert.match(mixed.stdout, new RegExp(`${runIds.a1}\\s+a1\\s+.*\\salpha\\n`))
  })

  test('runs show: the run as JSON, or sections for people', async () => {
    const [json, text] = await Promise.all([cli('runs', 'show', runIds.a2, '--json'), cli('runs', 'show', runIds.a2)])
    const expected = (await server.api('GET', '/api/2.0/mlflow/runs/get', { run_id: runIds.a2 })).run
    assert.deepEqual(JSON.parse(json.stdout), expected)
    assert.match(text.stdout, new RegExp(`id\\s+${runIds.a2}`))
    assert.match(text.stdout, /experiment\s+\d+ \(alpha\)/)
    assert.match(text.stdout, /Params:\n\s+model\s+xgb/)
    assert.match(text.stdout, /Metrics \(latest\):\n\s+acc\s+0\.9\s+\(step 0/)
  })

  test('runs logs prints the output log; --follow streams until the run ends', async () => {
    const runId = runIds.b1
    const append = (...lines: Array<[string, 'stdout' | 'stderr']>) =>
      server.api('POST', '/api/2.0/railyard/runs/logs/append', { run_id: runId, lines: lines.map(([line, stream]) => ({ stream, line })) })
    await append(['first', 'stdout'], ['oops', 'stderr'], ['second', 'stdout'])

    const [plain, json] = await Promise.all([cli('runs', 'logs', runId), cli('runs', 'logs', runId, '--json', '--after', '1')])
    assert.equal(plain.stdout, 'first\nsecond\n')
    assert.equal(plain.stderr, 'oops\n')
    assert.deepEqual(
      json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l)).map((l: any) => [l.seq, l.stream, l.line]),
      [[2, 'stderr', 'oops'], [3, 'stdout', 'second']],
    )

    const follow = startCli(['runs', 'logs', runId, '--follow', '--tracking-uri', server.url])
    await follow.waitFor(/second\n/)
    await append(['live one', 'stdout'], ['live two', 'stdout'])
    await follow.waitFor(/live two\n/)
    await server.api('POST', '/api/2.0/mlflow/runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() })
    const res = await follow.done
    assert.equal(res.code, 0, res.stderr)
    assert.equal(res.stdout, 'first\nsecond\nlive one\nlive two\n')
  })

  test('experiments rm deletes by name; ls --all still shows it', async () => {
    const rm = await cli('experiments', 'rm', 'beta')
    assert.equal(rm.code, 0, rm.stderr)
    assert.match(rm.stdout, /Deleted experiment \d+ \(beta\)/)
    const [active, all] = await Promise.all([cli('experiments', 'ls', '--json'), cli('experiments', 'ls', '--all', '--json')])
    assert.deepEqual(JSON.parse(active.stdout).map((e: any) => e.name).sort(), ['Default', 'alpha'])
    assert.equal(JSON.parse(all.stdout).find((e: any) => e.name === 'beta').lifecycle_stage, 'deleted')

    // MLflow keeps a deleted experiment's name taken: the error says so and how to restore it.
    const again = await cli('experiments', 'create', 'beta')
    assert.equal(again.code, 1)
    assert.match(again.stderr, /^railyard: experiment 'beta' exists but is deleted \(id \d+\); restore it with `railyard experiments restore beta`, or choose another name\n$/)
    const restored = await cli('experiments', 'restore', 'beta')
    assert.equal(restored.code, 0, restored.stderr)
    assert.match(restored.stdout, /^Restored experiment \d+ \(beta\)\n$/)
    const runsBack = await cli('runs', 'ls', '-e', 'beta', '--json')
    assert.deepEqual(JSON.parse(runsBack.stdout).map((r: any) => [r.info.run_name, r.info.lifecycle_stage]), [['b1', 'active']])
    const twice = await cli('experiments', 'restore', 'beta')
    assert.equal(twice.code, 1)
    assert.match(twice.stderr, /experiment \d+ \(beta\) is not deleted: nothing to restore/)
  })

  test('server-side errors are one line: exit 1, or 2 for a value the server rejects', async () => {
    const [badFilter, unknownRun, unknownExperiment] = await Promise.all([
      cli('runs', 'ls', '--filter', 'metrics.acc >>> 1'),
      cli('runs', 'show', 'f'.repeat(32)),
      cli('runs', 'ls', '-e', 'no-such-experiment'),
    ])
    for (const res of [badFilter, unknownRun, unknownExperiment]) {
      assert.equal(res.code, res === badFilter ? 2 : 1, res.stderr)
      assert.equal(res.stderr.split('\n').filter(Boolean).length, 1, res.stderr)
      assert.doesNotMatch(res.stderr, /\n\s+at /)
    }
    assert.match(badFilter.stderr, /INVALID_PARAMETER_VALUE/)
    assert.match(unknownRun.stderr, /not found \(RESOURCE_DOES_NOT_EXIST\)/)
    assert.match(unknownExperiment.stderr, /no experiment named or numbered 'no-such-experiment'/)
  })
})
