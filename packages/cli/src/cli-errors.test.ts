import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { closedPort, runCli, startServer, type TestServer } from './testing/cli.js'

test('usage errors exit 2 with a message and a pointer to --help', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['runs', 'ls', '--bogus'], /unknown option '--bogus'/],
    [['runs', 'show'], /missing required argument 'run-id'/],
    [['run', '-e', 'x'], /no command given/],
    [['runs', 'ls', '--max', '0'], /--max.*must be a whole number ≥ 1/],
    [['--tracking-uri', 'ftp://example.com', 'experiments', 'ls'], /Tracking URI 'ftp:\/\/example\.com'/],
    [['experiments', 'create', 'x', '--tag', 'novalue'], /expected KEY=VALUE/],
    [['no-such-command'], /unknown command 'no-such-command'/],
  ]
  const results = await Promise.all(cases.map(([args]) => runCli(args)))
  results.forEach((res, i) => {
    const [args, message] = cases[i]
    assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`)
    assert.match(res.stderr, message)
    assert.match(res.stderr, /--help/)
    assert.doesNotMatch(res.stderr, /\n\s+at /)
  })
})

test('--help explains with examples and exits 0', async () => {
  const [top, run, runs] = await Promise.all([
    // RAILYARD_DEBUG makes the launcher say if it had to fall back from its bundle to tsx.
    runCli(['--help'], { env: { RAILYARD_DEBUG: '1' } }),
    runCli(['run', '--help']),
    runCli(['runs', 'ls', '--help']),
  ])
  for (const res of [top, run, runs]) assert.equal(res.code, 0)
  assert.doesNotMatch(top.stderr, /failed to load/)
  assert.match(top.stdout, /Examples:/)
  assert.match(top.stdout, /experiments/)
  assert.match(run.stdout, /MLFLOW_RUN_ID/)
  assert.match(run.stdout, /KILLED/)
  assert.match(runs.stdout, /--order-by <clause>/)
  assert.match(runs.stdout, /--tracking-uri <uri>/)
})

test('--help marks the options a command cannot run without', async () => {
  const [refresh, deploy] = await Promise.all([runCli(['experiments', 'refresh-data', '--help']), runCli(['deploy', '--help'])])
  assert.equal(refresh.code, 0)
  assert.match(refresh.stdout, /^ {2}--reason <text> +why, for the experiment's data history \(required\)$/m)
  assert.doesNotMatch(refresh.stdout, /--version <version>.*\(required\)/)
  assert.match(deploy.stdout, /--model <name> +registered model \(required\)/)
  // Still enforced, as before.
  const missing = await runCli(['experiments', 'refresh-data', 'x'])
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /required option '--reason <text>' not specified/)
})

test('an unreachable server: one line naming the URL, exit 1', async () => {
  const url = `http://127.0.0.1:${await closedPort()}`
  const [byFlag, byEnv] = await Promise.all([
    runCli(['experiments', 'ls', '--tracking-uri', url]),
    runCli(['runs', 'logs', 'abc'], { env: { RAILYARD_TRACKING_URI: url } }),
  ])
  for (const res of [byFlag, byEnv]) {
    assert.equal(res.code, 1)
    assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr)
    assert.ok(res.stderr.includes(`cannot reach the tracking server at ${url} (connection refused)`), res.stderr)
  }
})

describe('errors the server finds in what the command line passed on', () => {
  let server: TestServer
  let lake: string
  let cli: (...args: string[]) => ReturnType<typeof runCli>

  before(async () => {
    server = await startServer('sqlite')
    lake = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-cli-errors-'))
    fs.writeFileSync(path.join(lake, 'a.txt'), 'a\n')
    cli = (...args) => runCli(args, { env: { RAILYARD_TRACKING_URI: server.url } })
    assert.equal((await cli('datastores', 'add', 'lake', '--kind', 'local', '--root', lake)).code, 0)
    const create = await cli('datasets', 'create', 'corpus', '--datastore', 'lake')
    assert.equal(create.code, 0, create.stderr)
    assert.equal((await cli('datasets', 'snapshot', 'corpus', '-q')).code, 0)
  })
  after(async () => {
    await server.close()
    fs.rmSync(lake, { recursive: true, force: true })
  })

  test('a value the server rejects (INVALID_PARAMETER_VALUE) is wrong usage: exit 2, one line', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['datasets', 'diff', 'corpus', '7215974', 'latest'], /Invalid version '7215974'/],
      [['datasets', 'create', 'bracket', '--datastore', 'lake', '--include', '[abc'], /\[abc/],
      [['datastores', 'add', 'bad name/x', '--kind', 'local', '--root', lake], /bad name\/x/],
      [['datastores', 'add', 'bad3', '--kind', 'local'], /root/],
      [['runs', 'ls', '--filter', 'metrics.acc >>> 1'], /./],
    ]
    const results = await Promise.all(cases.map(([args]) => cli(...args)))
    results.forEach((res, i) => {
      const [args, message] = cases[i]
      assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`)
      assert.match(res.stderr, /^railyard: .*\(INVALID_PARAMETER_VALUE\)\n$/, args.join(' '))
      assert.match(res.stderr, message, args.join(' '))
    })
    const stores = JSON.parse((await cli('datastores', 'ls', '--json')).stdout)
    assert.deepEqual(stores.map((d: any) => d.name), ['lake'])
  })

  test('what does not exist or is taken is a failure: exit 1', async () => {
    const [missingDataset, missingVersion, taken] = await Promise.all([
      cli('datasets', 'diff', 'nope', 'latest', 'latest'),
      cli('datasets', 'files', 'corpus', 'deadbeef00'),
      cli('datastores', 'add', 'lake', '--kind', 'local', '--root', lake),
    ])
    for (const [res, code] of [
      [missingDataset, 'RESOURCE_DOES_NOT_EXIST'],
      [missingVersion, 'RESOURCE_DOES_NOT_EXIST'],
      [taken, 'RESOURCE_ALREADY_EXISTS'],
    ] as const) {
      assert.equal(res.code, 1, res.stderr)
      assert.match(res.stderr, new RegExp(`^railyard: .*\\(${code}\\)\n$`))
    }
  })
})
