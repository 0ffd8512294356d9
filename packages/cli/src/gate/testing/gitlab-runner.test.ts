import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { evalGitlab } from './ci-expressions.js'
import { runGitlabPipeline, type GitlabOptions } from './gitlab-runner.js'

/**
 * The GitLab runner the CI template test relies on, on small pipelines of echo and exit: it must
 * follow GitLab's rules, not the one template it was written for.
 */
describe('GitLab pipeline runner', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-glci-test-'))
  const checkout = path.join(dir, 'checkout')
  fs.mkdirSync(checkout)
  fs.writeFileSync(path.join(checkout, 'README'), 'the repository\n')
  after(() => fs.rmSync(dir, { recursive: true, force: true }))

  const MR = { CI_PIPELINE_SOURCE: 'merge_request_event', CI_DEFAULT_BRANCH: 'main', CI_MERGE_REQUEST_IID: '5' }
  const MAIN = { CI_PIPELINE_SOURCE: 'push', CI_DEFAULT_BRANCH: 'main', CI_COMMIT_BRANCH: 'main' }
  let n = 0
  const run = (yaml: string, predefined: Record<string, string>, more: Partial<GitlabOptions> = {}) => {
    const file = path.join(dir, `pipeline-${++n}.yml`)
    fs.writeFileSync(file, yaml)
    return runGitlabPipeline(file, { cwd: checkout, baseEnv: { PATH: process.env.PATH! }, predefined, variables: {}, ...more })
  }
  const ran = (r: { steps: Array<{ name: string; status: string; exitCode?: number }> }) =>
    r.steps.map((s) => [s.name, s.status === 'ran' ? `exit ${s.exitCode}` : s.status])

  test('rule expressions: variables, null, empty, regex, && before ||, case-sensitive', () => {
    const v = { A: 'main', EMPTY: '' }
    assert.equal(evalGitlab('$A == "main"', v), true)
    assert.equal(evalGitlab('$A == "Main"', v), false)
    assert.equal(evalGitlab('$UNSET == null && $EMPTY == "" && $EMPTY != null', v), true)
    assert.equal(evalGitlab('$EMPTY', v), false)
    assert.equal(evalGitlab('$A =~ /^ma/ && $A !~ /x/', v), true)
    assert.equal(evalGitlab('$A == "x" && $A || $A == "main"', v), true)
    assert.equal(evalGitlab('$A == "x" && ($A || $A == "main")', v), false)
    assert.equal(evalGitlab('$UNSET == $ALSO_UNSET', v), true)
    assert.throws(() => evalGitlab('exists($A)', v), /cannot read/)
  })

  test('workflow rules decide whether there is a pipeline at all', async () => {
    const yaml = `
workflow:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
job:
  script: [echo hi]
`
    assert.equal((await run(yaml, MAIN)).created, false)
    const mr = await run(yaml, MR)
    assert.deepEqual([mr.created, ran(mr)], [true, [['job', 'exit 0']]])
  })

  test('stages in order; a failure skips later on_success jobs, runs on_failure and always jobs, fails the pipeline', async () => {
    const yaml = `
stages: [one, two, three]
last:
  stage: three
  script: [echo last]
cleanup:
  stage: three
  when: on_failure
  script: [echo cleaning up]
report:
  stage: three
  when: always
  script: [echo report]
broken:
  stage: one
  script: ['echo before', 'exit 3', 'echo never printed']
middle:
  stage: two
  script: [echo middle]
`
    const r = await run(yaml, MAIN)
    assert.equal(r.failed, true)
    assert.deepEqual(ran(r), [
      ['broken', 'exit 3'],
      ['middle', 'skipped'],
      ['last', 'skipped'],
      ['cleanup', 'exit 0'],
      ['report', 'exit 0'],
    ])
    assert.equal(r.step('broken').stdout, 'before\n')
  })

  test('on_failure jobs stay out of a passing pipeline; allow_failure does not fail it', async () => {
    const yaml = `
flaky:
  stage: build
  allow_failure: true
  script: [exit 1]
next:
  stage: test
  script: [echo next]
cleanup:
  stage: deploy
  when: on_failure
  script: [echo cleaning up]
`
    const r = await run(yaml, MAIN)
    assert.deepEqual([r.failed, ran(r)], [false, [['flaky', 'exit 1'], ['next', 'exit 0'], ['cleanup', 'skipped']]])
  })

  test('rules: first match wins, when: never leaves a job out, job variables are visible, no match leaves it out', async () => {
    const yaml = `
mr-only:
  script: [echo mr]
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
main-only:
  script: [echo main]
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
not-when-flagged:
  variables:
    FLAG: 'yes'
  script: [echo flagged]
  rules:
    - if: $FLAG == "yes"
      when: never
    - when: on_success
`
    assert.deepEqual(ran(await run(yaml, MR)), [['mr-only', 'exit 0']])
    assert.deepEqual(ran(await run(yaml, MAIN)), [['main-only', 'exit 0']])
  })

  test('each job starts from a fresh checkout; artifacts and dotenv variables reach the jobs that need them', async () => {
    const yaml = `
stages: [make, use]
make:
  stage: make
  script:
    - echo scratch > scratch.txt
    - echo kept > kept.txt
    - echo VERSION=7 > build.env
  artifacts:
    paths: [kept.txt]
    reports:
      dotenv: build.env
use:
  stage: use
  needs: [make]
  script:
    - cat README kept.txt
    - test ! -e scratch.txt
    - echo "version $VERSION"
no-artifacts:
  stage: use
  needs: [{ job: make, artifacts: false }]
  script:
    - test ! -e kept.txt
    - echo "version '$VERSION'"
`
    const r = await run(yaml, MAIN)
    assert.equal(r.failed, false, JSON.stringify(r.steps, null, 1))
    assert.equal(r.step('use').stdout, 'the repository\nkept\nversion 7\n')
    assert.equal(r.step('no-artifacts').stdout, "version ''\n")
  })

  test('artifacts of a failed job are kept with when: always, not by default', async () => {
    const yaml = `
stages: [gate, report]
gate:
  stage: gate
  script: ['echo verdict > report.md', 'echo other > other.md', exit 1]
  artifacts:
    when: always
    paths: [report.md]
other:
  stage: gate
  script: ['echo other > other.md', exit 1]
  artifacts:
    paths: [other.md]
report:
  stage: report
  when: always
  script: ['cat report.md', 'test ! -e other.md']
`
    const r = await run(yaml, MAIN)
    assert.deepEqual(ran(r), [['gate', 'exit 1'], ['other', 'exit 1'], ['report', 'exit 0']])
    assert.equal(r.step('report').stdout, 'verdict\n')
  })

  test('with needs:, only the needed jobs decide; extends and default: before_script are merged in', async () => {
    const yaml = `
default:
  before_script: [export GREETING=hello]
.base:
  variables:
    WHO: base
  rules:
    - when: on_success
a:
  extends: .base
  stage: build
  script: [exit 1]
b:
  extends: .base
  stage: build
  variables:
    WHO: b
  script: ['echo "$GREETING $WHO"']
c:
  extends: .base
  stage: test
  needs: [b]
  before_script: []
  script: ['echo "c after b, greeting \${GREETING:-none}"']
d:
  stage: test
  script: [echo d]
`
    const r = await run(yaml, MAIN)
    assert.deepEqual(ran(r), [['a', 'exit 1'], ['b', 'exit 0'], ['c', 'exit 0'], ['d', 'skipped']])
    assert.equal(r.step('b').stdout, 'hello b\n')
    assert.equal(r.step('c').stdout, 'c after b, greeting none\n')
  })

  test('project variables win over the YAML; script lines in skipCommands are not run', async () => {
    const yaml = `
variables:
  WHERE: yaml
  OTHER: yaml
job:
  script: [npm ci, 'echo "$WHERE $OTHER"']
`
    const r = await run(yaml, MAIN, { variables: { WHERE: 'project' }, skipCommands: ['npm ci'] })
    assert.equal(r.step('job').stdout, 'project yaml\n')
  })

  test('what it does not model is an error, not a silent misreading', async () => {
    await assert.rejects(run('job:\n  script: [echo]\n  only: [main]\n', MAIN), /keyword 'only' is not supported/)
    await assert.rejects(run('job:\n  script: [echo]\n  rules:\n    - changes: [a]\n', MAIN), /rules: 'changes' is not supported/)
    await assert.rejects(run('job:\n  script: [echo]\n  when: manual\n', MAIN), /when: manual is not supported/)
    await assert.rejects(run('include: x.yml\njob:\n  script: [echo]\n', MAIN), /top-level keyword 'include'/)
    await assert.rejects(run('cache:\n  paths: [x]\njob:\n  script: [echo]\n', MAIN), /top-level keyword 'cache'/)
    await assert.rejects(
      run('a:\n  script: [echo]\n  rules:\n    - if: $CI_MERGE_REQUEST_IID\nb:\n  stage: deploy\n  needs: [a]\n  script: [echo]\n', MAIN),
      /needs 'a', which is not in the pipeline/,
    )
    const optional = await run('a:\n  script: [echo]\n  rules:\n    - if: $CI_MERGE_REQUEST_IID\nb:\n  stage: deploy\n  needs: [{ job: a, optional: true }]\n  script: [echo b]\n', MAIN)
    assert.deepEqual(ran(optional), [['b', 'exit 0']])
  })
})
