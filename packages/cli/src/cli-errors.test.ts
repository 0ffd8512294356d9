import { test } from 'node:test'
import assert from 'node:assert/strict'
import { closedPort, runCli } from './testing/cli.js'

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
