import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import YAML from 'yaml'
import { RailyardClient } from '@railyard/sdk'
import { startServer, type TestServer } from '../testing/cli.js'
import { REPO, seedEvalDataset } from './testing/tweets.js'
import type { PipelineRun } from './testing/ci-runner.js'
import { runGithubWorkflow } from './testing/github-runner.js'
import { runAzurePipeline } from './testing/azure-runner.js'

const GITHUB = path.join(REPO, 'examples/ci/github-actions.yml')
const AZURE = path.join(REPO, 'examples/ci/azure-pipelines.yml')
const INSTALL = 'Install dependencies'

/** A stand-in for the GitHub and Azure DevOps REST APIs that keeps every request it gets. */
async function startFakeApi() {
  const requests: Array<{ method: string; url: string; auth?: string; body: any }> = []
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      requests.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body: JSON.parse(body) })
      res.writeHead(201, { 'content-type': 'application/json' }).end('{"id": 1}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  }
}

/**
 * The CI templates' own commands, run as GitHub Actions and Azure Pipelines would run them (see
 * testing/ci-runner.ts) against a real Railyard server: a first deployment from main, a pull
 * request with a worse model (job fails, report posted, production untouched), and a better model
 * through a pull request and then main (report posted, then deployed).
 */
describe('CI templates: train → register → gate → deploy', () => {
  let server: TestServer
  let api: Awaited<ReturnType<typeof startFakeApi>>
  let workspace: string
  let baseEnv: Record<string, string>
  const production = async () =>
    (await server.api('GET', '/api/2.0/mlflow/registered-models/get', { name: 'tweets-sentiment' })).registered_model.aliases?.find((a: any) => a.alias === 'production')
      ?.version
  const ran = (run: PipelineRun) => run.steps.map((s) => [s.name, s.status === 'ran' ? `exit ${s.exitCode}` : s.status])
  const github = (event: 'push' | 'pull_request', override: Record<string, string> = {}) =>
    runGithubWorkflow(GITHUB, {
      cwd: workspace,
      baseEnv,
      skip: [INSTALL],
      override,
      event,
      ref: event === 'push' ? 'refs/heads/main' : 'refs/pull/7/merge',
      sha: 'c0ffee'.padEnd(40, '0'),
      repository: 'acme/tweets',
      apiUrl: api.url,
      runId: 4242,
      prNumber: event === 'pull_request' ? 7 : undefined,
      secrets: {},
      vars: { RAILYARD_TRACKING_URI: server.url },
    })
  const azure = (reason: 'PullRequest' | 'IndividualCI', override: Record<string, string> = {}) =>
    runAzurePipeline(AZURE, {
      cwd: workspace,
      baseEnv,
      skip: [INSTALL],
      override,
      variables: {
        RAILYARD_TRACKING_URI: server.url,
        'Build.Reason': reason,
        'Build.SourceBranch': reason === 'PullRequest' ? 'refs/pull/12/merge' : 'refs/heads/main',
        'Build.BuildNumber': '20261127.3',
        'Build.Repository.ID': 'repo-guid',
        'System.CollectionUri': `${api.url}/acme/`,
        'System.TeamProject': 'tweets',
        'System.AccessToken': 'azure-test-token',
        ...(reason === 'PullRequest' ? { 'System.PullRequest.PullRequestId': '12' } : {}),
      },
    })

  before(async () => {
    server = await startServer('sqlite')
    api = await startFakeApi()
    // The checkout the pipeline runs in: the repository's files, with the files the steps write kept apart.
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-ci-'))
    for (const entry of ['examples', 'packages', 'node_modules', 'package.json']) fs.symlinkSync(path.join(REPO, entry), path.join(workspace, entry))
    // The runner machine: nothing of ours on PATH (the template puts it there), a model cache of its own.
    baseEnv = {}
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(MLFLOW_|RAILYARD_|GITHUB_|NODE_OPTIONS$)/.test(k)) baseEnv[k] = v
    baseEnv.PATH = (process.env.PATH ?? '').split(path.delimiter).filter((p) => !p.includes('node_modules')).join(path.delimiter)
    baseEnv.RAILYARD_MODEL_CACHE = path.join(workspace, '.model-cache')
    baseEnv.NO_COLOR = '1'
    // The one-time setup README.md describes: the evaluation dataset the policy names.
    const client = new RailyardClient({ trackingUri: server.url, retries: 0 })
    await seedEvalDataset(client, fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-ci-data-')), 'tweets-eval', 300)
  })
  after(async () => {
    await server.close()
    await api.close()
    fs.rmSync(workspace, { recursive: true, force: true })
  })

  test('the templates install with npm ci and are what this test runs', () => {
    const gh = YAML.parse(fs.readFileSync(GITHUB, 'utf8'))
    assert.equal(gh.jobs.model.steps.find((s: any) => s.name === INSTALL).run, 'npm ci')
    const az = YAML.parse(fs.readFileSync(AZURE, 'utf8'))
    assert.equal(az.steps.find((s: any) => s.displayName === INSTALL).script, 'npm ci')
  })

  test('GitHub Actions, push to main: the first model is gated against the floors and deployed', async () => {
    const run = await github('push')
    assert.equal(run.failed, false, JSON.stringify(run.steps.filter((s) => s.exitCode), null, 1))
    assert.deepEqual(ran(run), [
      ['actions/checkout@v4', 'not-runnable'],
      ['actions/setup-node@v4', 'not-runnable'],
      [INSTALL, 'not-runnable'],
      ['Put the tools on PATH', 'exit 0'],
      ['Train', 'exit 0'],
      ['Register', 'exit 0'],
      ['Gate', 'exit 0'],
      ['Post the gate report on the pull request', 'skipped'],
      ['Deploy', 'exit 0'],
      ['Keep the report', 'not-runnable'],
    ])
    assert.match(run.step('Gate').stdout, /^PASS {2}tweets-sentiment version 1 vs nothing at production \(first deployment\)/)
    assert.match(run.step('Deploy').stdout, /tweets-sentiment@production → version 1: gate #\d+ passed/)
    assert.equal(await production(), '1')
    assert.equal(api.requests.length, 0)
  })

  test('GitHub Actions, pull request with a worse model: the job fails, the report is posted, production stays', async () => {
    const run = await github('pull_request', { TRAIN_ROWS: '100' })
    assert.equal(run.failed, true)
    assert.deepEqual(ran(run).slice(4), [
      ['Train', 'exit 0'],
      ['Register', 'exit 0'],
      ['Gate', 'exit 1'],
      ['Post the gate report on the pull request', 'exit 0'],
      ['Deploy', 'skipped'],
      ['Keep the report', 'not-runnable'],
    ])
    assert.match(run.step('Gate').stdout, /^FAIL {2}tweets-sentiment version 2 vs production \(version 1\)\n {2}FAIL {2}macro_f1 /)
    assert.equal(await production(), '1')
    const [comment] = api.requests
    assert.deepEqual([comment.method, comment.url, comment.auth], ['POST', '/repos/acme/tweets/issues/7/comments', 'Bearer ghs-test-token'])
    assert.match(comment.body.body, /^<!-- railyard-gate model=tweets-sentiment against=production -->\n## ❌ Railyard gate: FAIL — tweets-sentiment version 2 vs production \(version 1\)/)
    assert.match(comment.body.body, /frozen for experiment `tweets-sentiment-ci`/)
  })

  test('Azure Pipelines: a better model passes on its pull request (report posted), then deploys from main', async () => {
    const pr = await azure('PullRequest', { TRAIN_ROWS: '3000' })
    assert.equal(pr.failed, false, JSON.stringify(pr.steps.filter((s) => s.exitCode), null, 1))
    assert.deepEqual(ran(pr), [
      ['checkout', 'not-runnable'],
      ['NodeTool@0', 'not-runnable'],
      [INSTALL, 'not-runnable'],
      ['Put the tools on PATH', 'exit 0'],
      ['Train', 'exit 0'],
      ['Register', 'exit 0'],
      ['Gate', 'exit 0'],
      ['Post the gate report on the pull request', 'exit 0'],
      ['Deploy', 'skipped'],
      ['Keep a report to publish', 'exit 0'],
      ['publish gate-report.md', 'not-runnable'],
    ])
    const thread = api.requests[1]
    assert.deepEqual([thread.method, thread.url, thread.auth], ['POST', '/acme/tweets/_apis/git/repositories/repo-guid/pullRequests/12/threads?api-version=7.1', 'Bearer azure-test-token'])
    assert.equal(thread.body.status, 1)
    assert.match(thread.body.comments[0].content, /## ✅ Railyard gate: PASS — tweets-sentiment version 3 vs production \(version 1\)/)
    assert.equal(await production(), '1')

    const main = await azure('IndividualCI', { TRAIN_ROWS: '3000' })
    assert.equal(main.failed, false, JSON.stringify(main.steps.filter((s) => s.exitCode), null, 1))
    assert.equal(main.step('Post the gate report on the pull request').status, 'skipped')
    assert.match(main.step('Deploy').stdout, /tweets-sentiment@production → version 4 \(was version 1\): gate #\d+ passed/)
    assert.equal(await production(), '4')
    const history = (await server.api('GET', '/api/2.0/railyard/deployments', { name: 'tweets-sentiment', alias: 'production' })).deployments
    assert.deepEqual(history.map((d: any) => [d.version, d.kind, d.gate_verdict, d.reason.replace(/ \(gate #\d+ passed\)$/, '')]), [
      ['4', 'deploy', 'pass', 'build 20261127.3'],
      ['1', 'deploy', 'pass', `commit ${'c0ffee'.padEnd(40, '0')}`],
    ])
  })
})
