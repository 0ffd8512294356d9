import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import YAML from 'yaml'
import { RailyardClient } from '@railyard/sdk'
import { startServer, type TestServer } from '../testing/cli.js'
import { REPO, seedEvalDataset } from './testing/tweets.js'
import { makeCheckout, runnerEnv } from './testing/ci-checkout.js'
import { startFakeCommentApis, type FakeCommentApis } from './testing/fake-comment-apis.js'
import type { PipelineRun } from './testing/ci-runner.js'
import { runGithubWorkflow } from './testing/github-runner.js'
import { runAzurePipeline } from './testing/azure-runner.js'
import { runGitlabPipeline } from './testing/gitlab-runner.js'

const GITHUB = path.join(REPO, 'examples/ci/github-actions.yml')
const AZURE = path.join(REPO, 'examples/ci/azure-pipelines.yml')
const GITLAB = path.join(REPO, 'examples/ci/gitlab-ci.yml')
const INSTALL = 'Install dependencies'
const GITLAB_INSTALL = 'npm ci --cache .npm --prefer-offline'
const SHA = 'c0ffee'.padEnd(40, '0')
const MARKER = /^<!-- railyard-gate model=tweets-sentiment against=production -->\n/

/**
 * The CI templates' own commands, run as GitHub Actions, Azure Pipelines and GitLab CI/CD would
 * run them (see testing/*-runner.ts) against a real Railyard server and a fake of each service's
 * comment API: first deployments from main, pull requests with a worse model (the run fails, the
 * report is posted and then updated in place, production untouched), a better model through a
 * pull request and then main, and pull requests from forks (skipped, saying why).
 */
describe('CI templates: train → register → gate → deploy', () => {
  let server: TestServer
  let api: FakeCommentApis
  let checkout: string
  let machine: string
  let baseEnv: Record<string, string>
  const production = async (model = 'tweets-sentiment') =>
    (await server.api('GET', '/api/2.0/mlflow/registered-models/get', { name: model })).registered_model.aliases?.find((a: any) => a.alias === 'production')?.version
  const latest = async (model = 'tweets-sentiment') =>
    (await server.api('GET', '/api/2.0/mlflow/registered-models/get', { name: model })).registered_model.latest_versions.at(-1)?.version
  // The tags saying where a version came from (the gate adds its verdict as another).
  const origin = async (model: string, version: string) =>
    Object.fromEntries(
      (await server.api('GET', '/api/2.0/mlflow/model-versions/get', { name: model, version })).model_version.tags
        .filter((t: any) => /^(git|ci)\./.test(t.key))
        .map((t: any) => [t.key, t.value]),
    )
  const ran = (run: PipelineRun) => run.steps.map((s) => [s.name, s.status === 'ran' ? `exit ${s.exitCode}` : s.status])
  const failures = (run: PipelineRun) => JSON.stringify(run.steps.filter((s) => s.exitCode), null, 1)
  const since = (from: number) => api.requests.slice(from).map((r) => `${r.method} ${r.url.replace(/\?.*/, '')}`)

  const github = (event: 'push' | 'pull_request', override: Record<string, string> = {}, fork?: string) =>
    runGithubWorkflow(GITHUB, {
      cwd: checkout,
      baseEnv,
      skip: [INSTALL],
      override,
      event,
      ref: event === 'push' ? 'refs/heads/main' : 'refs/pull/7/merge',
      sha: SHA,
      repository: 'acme/tweets',
      apiUrl: api.url,
      runId: 4242,
      prNumber: event === 'pull_request' ? 7 : undefined,
      prHeadRepository: fork,
      // Fork pull requests get neither secrets nor variables.
      secrets: {},
      vars: fork ? {} : { RAILYARD_TRACKING_URI: server.url },
    })
  const azure = (reason: 'PullRequest' | 'IndividualCI', override: Record<string, string> = {}, fork = false) =>
    runAzurePipeline(AZURE, {
      cwd: checkout,
      baseEnv,
      skip: [INSTALL],
      override,
      variables: {
        RAILYARD_TRACKING_URI: server.url,
        'Build.Reason': reason,
        'Build.SourceBranch': reason === 'PullRequest' ? 'refs/pull/12/merge' : 'refs/heads/main',
        'Build.SourceVersion': SHA,
        'Build.BuildNumber': '20261127.3',
        'Build.BuildId': '981',
        'Build.Repository.ID': 'repo-guid',
        'System.CollectionUri': `${api.url}/acme/`,
        'System.TeamProject': 'tweets',
        'System.AccessToken': 'azure-test-token',
        ...(reason === 'PullRequest' ? { 'System.PullRequest.PullRequestId': '12', 'System.PullRequest.IsFork': fork ? 'True' : 'False' } : {}),
      },
    })
  // GitLab's pipelines use a model of their own, so their first deployment and comparisons do not depend on the other tests.
  const gitlab = (source: 'push' | 'merge_request_event', override: Record<string, string> = {}, opts: { branch?: string; forkProject?: string } = {}) =>
    runGitlabPipeline(GITLAB, {
      cwd: checkout,
      baseEnv,
      skipCommands: [GITLAB_INSTALL],
      override: { MODEL_NAME: 'tweets-gitlab', ...override },
      predefined: {
        CI_PIPELINE_SOURCE: source,
        CI_DEFAULT_BRANCH: 'main',
        CI_COMMIT_SHA: SHA,
        CI_COMMIT_REF_NAME: source === 'push' ? (opts.branch ?? 'main') : 'better-tokenizer',
        CI_PROJECT_ID: opts.forkProject ?? '42',
        CI_API_V4_URL: `${api.url}/api/v4`,
        CI_PIPELINE_URL: 'https://gitlab.example.com/acme/tweets/-/pipelines/77',
        ...(source === 'push'
          ? { CI_COMMIT_BRANCH: opts.branch ?? 'main' }
          : { CI_MERGE_REQUEST_IID: '5', CI_MERGE_REQUEST_PROJECT_ID: '42', CI_MERGE_REQUEST_SOURCE_PROJECT_ID: opts.forkProject ?? '42' }),
      },
      // A fork's pipeline runs with the fork's variables: none of ours.
      variables: opts.forkProject ? {} : { RAILYARD_TRACKING_URI: server.url, RAILYARD_GITLAB_TOKEN: 'glpat-test-token' },
    })

  before(async () => {
    server = await startServer('sqlite')
    api = await startFakeCommentApis()
    checkout = makeCheckout()
    // The CI machine's own folders (model cache) and the server's data, outside the checkout.
    machine = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-ci-machine-'))
    baseEnv = runnerEnv(path.join(machine, 'model-cache'))
    // The one-time setup README.md describes: the evaluation dataset the policy names.
    const client = new RailyardClient({ trackingUri: server.url, retries: 0 })
    await seedEvalDataset(client, path.join(machine, 'data'), 'tweets-eval', 300)
  })
  after(async () => {
    await server.close()
    await api.close()
    fs.rmSync(checkout, { recursive: true, force: true })
    fs.rmSync(machine, { recursive: true, force: true })
  })

  test('the templates install with npm ci and are what this test runs', () => {
    const gh = YAML.parse(fs.readFileSync(GITHUB, 'utf8'))
    assert.equal(gh.jobs.model.steps.find((s: any) => s.name === INSTALL).run, 'npm ci')
    const az = YAML.parse(fs.readFileSync(AZURE, 'utf8'))
    assert.equal(az.steps.find((s: any) => s.displayName === INSTALL).script, 'npm ci')
    const gl = YAML.parse(fs.readFileSync(GITLAB, 'utf8'))
    assert.equal(gl['.model-job'].before_script[0], GITLAB_INSTALL)
  })

  test('GitHub Actions, push to main: the first model is gated against the floors, deployed, and tagged with its origin', async () => {
    const run = await github('push')
    assert.equal(run.failed, false, failures(run))
    assert.deepEqual(run.jobs, [
      { name: 'fork', status: 'skipped' },
      { name: 'model', status: 'ran' },
    ])
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
    assert.deepEqual(await origin('tweets-sentiment', '1'), {
      'git.commit': SHA,
      'git.ref': 'refs/heads/main',
      'ci.run_url': 'https://github.com/acme/tweets/actions/runs/4242',
    })
    assert.equal(api.requests.length, 0)
  })

  test('GitHub Actions, pull request with a worse model, pushed twice: the job fails, one comment is posted and then updated, production stays', async () => {
    // A busy pull request: the report's comment lands on the second page of comments.
    api.seed('github:acme/tweets#7', Array.from({ length: 120 }, (_, i) => `review comment ${i + 1}`))
    const from = api.requests.length
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
    assert.deepEqual(await origin('tweets-sentiment', '2'), {
      'git.commit': SHA,
      'git.ref': 'refs/pull/7/merge',
      'ci.run_url': 'https://github.com/acme/tweets/actions/runs/4242',
      'ci.pull_request': '7',
    })
    assert.deepEqual(since(from), ['GET /repos/acme/tweets/issues/7/comments', 'GET /repos/acme/tweets/issues/7/comments', 'POST /repos/acme/tweets/issues/7/comments'])
    assert.equal(api.requests.at(-1)!.auth, 'Bearer ghs-test-token')
    let report = api.comments('github:acme/tweets#7').at(-1)!
    assert.match(report.body, MARKER)
    assert.match(report.body, /\n## ❌ Railyard gate: FAIL — tweets-sentiment version 2 vs production \(version 1\)/)
    assert.match(report.body, /frozen for experiment `tweets-sentiment-ci`/)

    const next = api.requests.length
    const again = await github('pull_request', { TRAIN_ROWS: '100' })
    assert.equal(again.step('Gate').exitCode, 1)
    assert.deepEqual(since(next), [
      'GET /repos/acme/tweets/issues/7/comments',
      'GET /repos/acme/tweets/issues/7/comments',
      `PATCH /repos/acme/tweets/issues/comments/${report.id}`,
    ])
    const comments = api.comments('github:acme/tweets#7')
    assert.equal(comments.length, 121)
    report = comments.at(-1)!
    assert.match(report.body, /## ❌ Railyard gate: FAIL — tweets-sentiment version 3 vs production \(version 1\)/)
    assert.equal(await production(), '1')
  })

  test('GitHub Actions, pull request from a fork: the model job is skipped with a notice saying why', async () => {
    const from = api.requests.length
    const run = await github('pull_request', {}, 'someone/tweets')
    assert.equal(run.failed, false, failures(run))
    assert.deepEqual(run.jobs, [
      { name: 'fork', status: 'ran' },
      { name: 'model', status: 'skipped' },
    ])
    assert.match(run.step('Say why the model job is skipped').stdout, /^::notice title=Model gate skipped::This pull request comes from a fork, .*no secrets or variables/)
    assert.equal(await latest(), '3')
    assert.deepEqual(since(from), [])
  })

  test('Azure Pipelines: a better model passes on its pull request (report posted), a worse push updates that report, then the better model deploys from main', async () => {
    const pr = await azure('PullRequest', { TRAIN_ROWS: '3000' })
    assert.equal(pr.failed, false, failures(pr))
    assert.deepEqual(ran(pr), [
      ['checkout', 'not-runnable'],
      ['NodeTool@0', 'not-runnable'],
      [INSTALL, 'not-runnable'],
      ['Put the tools on PATH', 'exit 0'],
      ['Pull requests from forks skip the model steps', 'skipped'],
      ['Train', 'exit 0'],
      ['Register', 'exit 0'],
      ['Gate', 'exit 0'],
      ['Post the gate report on the pull request', 'exit 0'],
      ['Deploy', 'skipped'],
      ['Keep a report to publish', 'exit 0'],
      ['publish gate-report.md', 'not-runnable'],
    ])
    const threads = '/acme/tweets/_apis/git/repositories/repo-guid/pullRequests/12/threads'
    const post = api.requests.at(-1)!
    assert.deepEqual([post.method, post.url, post.auth], ['POST', `${threads}?api-version=7.1`, 'Bearer azure-test-token'])
    assert.equal(post.body.status, 1)
    assert.match(post.body.comments[0].content, /## ✅ Railyard gate: PASS — tweets-sentiment version 4 vs production \(version 1\)/)
    assert.deepEqual(await origin('tweets-sentiment', '4'), {
      'git.commit': SHA,
      'git.ref': 'refs/pull/12/merge',
      'ci.run_url': `${api.url}/acme/tweets/_build/results?buildId=981`,
      'ci.pull_request': '12',
    })
    assert.equal(await production(), '1')

    const next = api.requests.length
    const worse = await azure('PullRequest', { TRAIN_ROWS: '100' })
    assert.equal(worse.failed, true)
    const [thread] = api.comments('azure:acme/tweets/repo-guid#12')
    assert.deepEqual(since(next), [`GET ${threads}`, `PATCH ${threads}/${thread.id}/comments/1`])
    assert.equal(api.comments('azure:acme/tweets/repo-guid#12').length, 1)
    assert.match(thread.body, /## ❌ Railyard gate: FAIL — tweets-sentiment version 5 vs production \(version 1\)/)

    const main = await azure('IndividualCI', { TRAIN_ROWS: '3000' })
    assert.equal(main.failed, false, failures(main))
    assert.equal(main.step('Post the gate report on the pull request').status, 'skipped')
    assert.match(main.step('Deploy').stdout, /tweets-sentiment@production → version 6 \(was version 1\): gate #\d+ passed/)
    assert.equal(await production(), '6')
    const history = (await server.api('GET', '/api/2.0/railyard/deployments', { name: 'tweets-sentiment', alias: 'production' })).deployments
    assert.deepEqual(history.map((d: any) => [d.version, d.kind, d.gate_verdict, d.reason.replace(/ \(gate #\d+ passed\)$/, '')]), [
      ['6', 'deploy', 'pass', 'build 20261127.3'],
      ['1', 'deploy', 'pass', `commit ${SHA}`],
    ])
  })

  test('Azure Pipelines, pull request from a fork: the model steps are skipped with a warning saying why', async () => {
    const from = api.requests.length
    const run = await azure('PullRequest', {}, true)
    assert.equal(run.failed, false, failures(run))
    assert.deepEqual(ran(run).slice(4, 9), [
      ['Pull requests from forks skip the model steps', 'exit 0'],
      ['Train', 'skipped'],
      ['Register', 'skipped'],
      ['Gate', 'skipped'],
      ['Post the gate report on the pull request', 'exit 0'],
    ])
    assert.match(run.step('Pull requests from forks skip the model steps').stdout, /^##vso\[task\.logissue type=warning\]This pull request comes from a fork/)
    assert.equal(await latest(), '6')
    assert.deepEqual(since(from), [])
  })

  test('GitLab CI/CD, default branch: the first model is gated, deployed, and tagged with its origin; no note', async () => {
    const run = await gitlab('push')
    assert.deepEqual([run.created, run.failed], [true, false], failures(run))
    assert.deepEqual(ran(run), [
      ['train', 'exit 0'],
      ['register', 'exit 0'],
      ['gate', 'exit 0'],
      ['deploy', 'exit 0'],
    ])
    assert.match(run.step('gate').stdout, /^PASS {2}tweets-gitlab version 1 vs nothing at production \(first deployment\)/)
    assert.match(run.step('deploy').stdout, /tweets-gitlab@production → version 1: gate #\d+ passed/)
    assert.equal(await production('tweets-gitlab'), '1')
    assert.deepEqual(await origin('tweets-gitlab', '1'), {
      'git.commit': SHA,
      'git.ref': 'main',
      'ci.run_url': 'https://gitlab.example.com/acme/tweets/-/pipelines/77',
    })
  })

  test('GitLab CI/CD, merge request: a worse model fails the pipeline with the note posted, a better push updates the note, then it deploys from the default branch', async () => {
    const from = api.requests.length
    const worse = await gitlab('merge_request_event', { TRAIN_ROWS: '100' })
    assert.equal(worse.failed, true)
    assert.deepEqual(ran(worse), [
      ['train', 'exit 0'],
      ['register', 'exit 0'],
      ['gate', 'exit 1'],
      ['report', 'exit 0'],
    ])
    assert.match(worse.step('gate').stdout, /^FAIL {2}tweets-gitlab version 2 vs production \(version 1\)/)
    assert.equal(await production('tweets-gitlab'), '1')
    assert.deepEqual(await origin('tweets-gitlab', '2'), {
      'git.commit': SHA,
      'git.ref': 'better-tokenizer',
      'ci.run_url': 'https://gitlab.example.com/acme/tweets/-/pipelines/77',
      'ci.merge_request': '5',
    })
    const notes = '/api/v4/projects/42/merge_requests/5/notes'
    assert.deepEqual(since(from), [`GET ${notes}`, `POST ${notes}`])
    assert.equal(api.requests.at(-1)!.auth, 'PRIVATE-TOKEN glpat-test-token')
    let [note] = api.comments('gitlab:42!5')
    assert.match(note.body, /^<!-- railyard-gate model=tweets-gitlab against=production -->\n## ❌ Railyard gate: FAIL — tweets-gitlab version 2 vs production \(version 1\)/)

    // Review goes on: GitLab lists notes newest first, so the report's note is now on the second page.
    api.seed('gitlab:42!5', Array.from({ length: 120 }, (_, i) => `review note ${i + 1}`))
    const next = api.requests.length
    const better = await gitlab('merge_request_event', { TRAIN_ROWS: '3000' })
    assert.equal(better.failed, false, failures(better))
    assert.deepEqual(ran(better).map(([, status]) => status), ['exit 0', 'exit 0', 'exit 0', 'exit 0'])
    assert.deepEqual(since(next), [`GET ${notes}`, `GET ${notes}`, `PUT ${notes}/${note.id}`])
    ;[note] = api.comments('gitlab:42!5')
    assert.match(note.body, /\n## ✅ Railyard gate: PASS — tweets-gitlab version 3 vs production \(version 1\)/)
    assert.equal(api.comments('gitlab:42!5').length, 121)
    assert.equal(await production('tweets-gitlab'), '1')

    const main = await gitlab('push', { TRAIN_ROWS: '3000' })
    assert.equal(main.failed, false, failures(main))
    assert.deepEqual(ran(main).map(([name]) => name), ['train', 'register', 'gate', 'deploy'])
    assert.match(main.step('deploy').stdout, /tweets-gitlab@production → version 4 \(was version 1\): gate #\d+ passed/)
    assert.equal(await production('tweets-gitlab'), '4')
  })

  test('GitLab CI/CD, merge request from a fork: only the notice job runs; a push to another branch makes no pipeline', async () => {
    const from = api.requests.length
    const fork = await gitlab('merge_request_event', {}, { forkProject: '977' })
    assert.deepEqual([fork.created, fork.failed, ran(fork)], [true, false, [['fork-notice', 'exit 0']]])
    assert.match(fork.step('fork-notice').stdout, /^This merge request comes from a fork, .*without this project's CI\/CD variables/)
    const branch = await gitlab('push', {}, { branch: 'wip' })
    assert.deepEqual([branch.created, branch.steps], [false, []])
    assert.equal(await latest('tweets-gitlab'), '4')
    assert.deepEqual(since(from), [])
  })
})
