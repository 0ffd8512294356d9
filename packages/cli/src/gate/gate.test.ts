import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { logModel, RailyardClient, startRun } from '@railyard/sdk'
import { runCli, startServer, type TestServer } from '../testing/cli.js'
import { REPO, changeEvalDataset, seedEvalDataset, trainVersion } from './testing/tweets.js'

/**
 * The gate, deploy, rollback and deployments commands, spawned as users run them, against a real
 * server. The models are the example tweet classifier trained on 300 (v1), 2,000 (v2, clearly
 * better) and 100 (v3, clearly worse) tweets, all scored on one version of an evaluation dataset;
 * v4 is trained like v2 but its run was evaluated on another version of that dataset.
 */
describe('railyard gate, deploy, rollback, deployments', () => {
  let server: TestServer
  let client: RailyardClient
  let dir: string
  let evalA: string
  let evalB: string
  const cliIn = (cwd: string | undefined, ...args: string[]) =>
    runCli(args, { cwd, env: { MLFLOW_TRACKING_URI: server.url, RAILYARD_MODEL_CACHE: path.join(dir, 'cache') } })
  const cli = (...args: string[]) => cliIn(undefined, ...args)
  const policy = (name: string, yaml: string) => {
    const file = path.join(dir, name)
    fs.writeFileSync(file, yaml)
    return file
  }
  const gate = (candidate: string, policyFile: string, ...more: string[]) => cli('gate', '--model', 'tweets', '--candidate', candidate, '--policy', policyFile, ...more)
  const gateJson = async (candidate: string, policyFile: string, ...more: string[]) => {
    const res = await gate(candidate, policyFile, '--json', ...more)
    return { ...res, outcome: JSON.parse(res.stdout) }
  }
  const production = async () => {
    const m = await server.api('GET', '/api/2.0/mlflow/registered-models/get', { name: 'tweets' })
    return m.registered_model.aliases?.find((a: any) => a.alias === 'production')?.version
  }
  const gateResults = async (version: string) =>
    (await server.api('GET', '/api/2.0/railyard/gates/list', { name: 'tweets', version })).gate_results ?? []
  let evaluated: string

  before(async () => {
    server = await startServer('sqlite')
    client = new RailyardClient({ trackingUri: server.url, retries: 0 })
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-gate-'))
    evalA = await seedEvalDataset(client, dir, 'tweets-eval', 300)
    for (const rows of [300, 2000, 100]) await trainVersion(client, { model: 'tweets', rows, experiment: 'sentiment', evalDataset: 'tweets-eval' })
    evalB = await changeEvalDataset(client, dir, 'tweets-eval', 300, 300)
    await trainVersion(client, { model: 'tweets', rows: 2000, experiment: 'sentiment-b', evalDataset: 'tweets-eval' })
    evaluated = policy(
      'gate.yaml',
      `primary: { metric: macro_f1, min_improvement: 0.01 }
guards: [{ metric: recall.negative, max_worsening: 0.05 }]
floors: { macro_f1: 0.3 }
limits: { max_model_bytes: 5MB, max_p95_latency_ms: 250 }
evaluation: { dataset: tweets-eval, version: ${evalA}, text_field: text }
`,
    )
  })
  after(async () => {
    await server.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  test('policy mistakes and unknown versions are errors (exit 2) that say what is wrong', async () => {
    const badBound = await gate('1', policy('bad.yaml', 'primary: { metric: macro_f1, min_improvement: lots }'))
    assert.equal(badBound.code, 2, badBound.stderr)
    assert.match(badBound.stdout, /^ERROR  tweets version 1/)
    assert.match(badBound.stdout, /bad\.yaml: primary\.min_improvement must be a number of at least 0 \(absolute\) or a percentage like '2%'/)
    const unknown = await gateJson('42', evaluated)
    assert.equal(unknown.code, 2)
    assert.match(unknown.outcome.error, /the candidate does not exist: Model Version \(name=tweets, version=42\) not found \(--candidate takes a version number, latest, or an alias such as @staging\)/)
    const unknownMetric = await gateJson('1', policy('metric.yaml', `primary: { metric: auc }\nfloors: { auc: 0.5 }\nevaluation: { dataset: tweets-eval, version: ${evalA} }`))
    assert.equal(unknownMetric.code, 2)
    // Caught before either model predicts: no metric was computed.
    assert.match(unknownMetric.outcome.error, /^the policy names 'auc', which the gate does not compute for classification: it computes accuracy, macro_f1, .*precision\.<class>, recall\.<class>, f1\.<class> for the evaluation data's labels \(negative, neutral, positive\); other metrics need evaluation\.module$/)
    assert.deepEqual(unknownMetric.outcome.metrics, {})
    const unknownClass = await gateJson('1', policy('class.yaml', `primary: { metric: macro_f1 }\nguards: [{ metric: recall.angry, max_worsening: 0.1 }]\nevaluation: { dataset: tweets-eval, version: ${evalA} }`))
    assert.equal(unknownClass.code, 2)
    assert.match(unknownClass.outcome.error, /^the policy names 'recall\.angry', which the gate does not compute/)
    // Mistakes in the input say nothing about the version: none of them is recorded on it.
    assert.deepEqual(await gateResults('1'), [])
    const missingFlag = await cli('gate', '--model', 'tweets', '--policy', evaluated)
    assert.equal(missingFlag.code, 2)
    assert.match(missingFlag.stderr, /required option '--candidate <version>' not specified/)
  })

  test('first deployment: the floors decide; deploy then sets production', async () => {
    const strict = await gateJson('1', policy('strict.yaml', `primary: { metric: macro_f1 }\nfloors: { macro_f1: 0.9, accuracy: 0.3 }\nevaluation: { dataset: tweets-eval, version: ${evalA} }`), '--against', 'canary')
    assert.equal(strict.code, 1, strict.stderr)
    assert.equal(strict.outcome.verdict, 'fail')
    assert.deepEqual(strict.outcome.checks.map((c: any) => [c.kind, c.name, c.ok]), [['floor', 'macro_f1', false], ['floor', 'accuracy', true]])

    const report = path.join(dir, 'reports', 'first.md')
    const res = await gate('1', evaluated, '--report', report)
    assert.equal(res.code, 0, res.stdout + res.stderr)
    assert.match(res.stdout, /^PASS  tweets version 1 vs nothing at production \(first deployment\)\n {2}ok {4}macro_f1 0\.\d+ meets the first-deployment floor ≥ 0\.3\n/)
    assert.match(res.stdout, /recorded on tweets version 1 as gate result #\d+/)
    const md = fs.readFileSync(report, 'utf8')
    assert.match(md, /## ✅ Railyard gate: PASS — tweets version 1 first deployment to production/)
    assert.match(md, /\| macro_f1 \(floor\) \| — \| 0\.\d+ \| — \| ≥ 0\.3 \| ✅ \|/)

    assert.equal(await production(), undefined)
    const deploy = await cli('deploy', '--model', 'tweets', '--version', '1')
    assert.equal(deploy.code, 0, deploy.stderr)
    assert.match(deploy.stdout, /^tweets@production → version 1: gate #\d+ passed\n$/)
    assert.equal(await production(), '1')
  })

  test('a better model passes on the same data version; deploy moves production to it', async () => {
    const report = path.join(dir, 'better.md')
    const { code, outcome, stderr } = await gateJson('2', evaluated, '--report', report)
    assert.equal(code, 0, stderr)
    assert.equal(outcome.verdict, 'pass')
    assert.equal(outcome.champion, '1')
    assert.equal(outcome.mode, 'evaluated')
    assert.deepEqual({ kind: outcome.data.kind, dataset: outcome.data.dataset, version: outcome.data.version, rows: outcome.data.rows }, { kind: 'dataset', dataset: 'tweets-eval', version: evalA, rows: 300 })
    const primary = outcome.checks.find((c: any) => c.kind === 'primary')
    assert.equal(primary.champion, outcome.metrics.champion.macro_f1)
    assert.ok(primary.delta > 0.03, `v2 should be clearly better: ${primary.detail}`)
    assert.ok(outcome.metrics.champion.log_loss > 0 && outcome.metrics.challenger['precision.positive'] > 0)
    assert.ok(outcome.size_bytes > 50_000 && outcome.latency.p95_ms > 0 && outcome.latency.samples === 200)

    const md = fs.readFileSync(report, 'utf8')
    assert.match(md, /^<!-- railyard-gate model=tweets against=production -->\n## ✅ Railyard gate: PASS — tweets version 2 vs production \(version 1\)/)
    assert.match(md, /\| Metric \| Champion \(v1\) \| Challenger \(v2\) \| Δ \| Threshold \| \|/)
    assert.match(md, /\| \*\*macro_f1\*\* \(primary\) \| 0\.\d+ \| 0\.\d+ \| \+0\.\d+ \| higher by ≥ 0\.01 \| ✅ \|/)
    assert.match(md, new RegExp(`Railyard dataset \`tweets-eval\` version \`${evalA}\``))
    // Recorded on the candidate, with the report, and visible on the version.
    const [latest] = await gateResults('2')
    const full = (await server.api('GET', '/api/2.0/railyard/gates/get', { id: latest.id })).gate_result
    assert.deepEqual([full.verdict, full.champion_version, full.against_alias, full.report.metrics], ['pass', '1', 'production', outcome.metrics])
    assert.match(full.markdown, /Railyard gate: PASS/)
    const v2 = (await server.api('GET', '/api/2.0/mlflow/model-versions/get', { name: 'tweets', version: '2' })).model_version
    assert.deepEqual(v2.tags, [{ key: 'railyard.gate.production', value: 'pass' }])

    const deploy = await cli('deploy', '--model', 'tweets', '--version', '2', '--reason', 'weekly retrain', '--json')
    assert.equal(deploy.code, 0, deploy.stderr)
    assert.deepEqual(
      (({ kind, version, previous_version, gate_verdict }) => ({ kind, version, previous_version, gate_verdict }))(JSON.parse(deploy.stdout).deployment),
      { kind: 'deploy', version: '2', previous_version: '1', gate_verdict: 'pass' },
    )
    assert.equal(await production(), '2')
  })

  test('with production set: a typo in --against, the version production holds, and input mistakes are errors (exit 2), not recorded', async () => {
    const results2 = (await gateResults('2')).length
    for (const ref of ['2', '@production']) {
      const same = await gateJson(ref, evaluated)
      assert.equal(same.code, 2, same.stderr)
      assert.equal(same.outcome.candidate, '2')
      assert.match(same.outcome.error, /^version 2 is already what tweets@production points to: there is nothing to compare it with/)
      assert.equal(same.outcome.gate_result_id, undefined)
    }
    assert.equal((await gateResults('2')).length, results2)

    const typo = await gate('3', evaluated, '--against', 'prodcution')
    assert.equal(typo.code, 2, typo.stderr)
    assert.match(typo.stdout, /^ERROR  tweets version 3 against prodcution: the gate could not decide\n/)
    assert.match(typo.stdout, /tweets has no alias 'prodcution', and its aliases are production \(version 2\)\. Check --against for a typo, or pass --first-deployment/)
    const notFirst = await gateJson('3', evaluated, '--first-deployment')
    assert.equal(notFirst.code, 2)
    assert.match(notFirst.outcome.error, /^--first-deployment, but tweets@production points to version 2/)

    const reportOf = async (name: string, candidate: string, policyFile: string) => {
      const file = path.join(dir, `${name}.md`)
      const res = await gate(candidate, policyFile, '--report', file)
      assert.equal(res.code, 2, res.stdout + res.stderr)
      return { ...res, md: fs.readFileSync(file, 'utf8') }
    }
    // Errors before the champion lookup: the headline must not claim a first deployment.
    const misspelt = await reportOf('misspelt', '3', policy('misspelt.yaml', 'primary: { metric: macro_f1, min_improvment: 0.01 }'))
    assert.match(misspelt.stdout, /misspelt\.yaml: primary\.min_improvment is not a known field/)
    assert.match(misspelt.md, /^<!-- railyard-gate model=tweets against=production -->\n## ⚠️ Railyard gate: ERROR — tweets version 3 against production\n/)
    assert.doesNotMatch(misspelt.md, /first deployment/)
    assert.match((await reportOf('missing', '99', evaluated)).md, /\n## ⚠️ Railyard gate: ERROR — tweets version 99 against production\n/)
    const notAVersion = await gateJson('v3', evaluated)
    assert.equal(notAVersion.code, 2)
    assert.match(notAVersion.outcome.error, /^the candidate does not exist: .*\(--candidate takes a version number, latest, or an alias such as @staging\)$/)

    const mistakes = {
      'unknown metric': [`primary: { metric: auc }\nevaluation: { dataset: tweets-eval, version: ${evalA} }`, /the policy names 'auc', which the gate does not compute/],
      'unknown dataset': ['primary: { metric: macro_f1 }\nevaluation: { dataset: no-such-eval, version: latest }', /evaluation dataset no-such-eval has no version 'latest'/],
      'missing label field': [`primary: { metric: macro_f1 }\nevaluation: { dataset: tweets-eval, version: ${evalA}, label_field: mood }`, /evaluation row 1 has no label field 'mood'/],
    } as const
    for (const [what, [yaml, error]] of Object.entries(mistakes)) {
      const res = await gateJson('3', policy(`${what.replace(/ /g, '-')}.yaml`, yaml))
      assert.equal(res.code, 2, `${what}: ${res.stdout}`)
      assert.match(res.outcome.error, error, what)
    }
    assert.deepEqual(await gateResults('3'), [])

    // A new alias on a model already deployed elsewhere, said so: the floors decide, and a policy
    // without floors passes with a warning that no metric was checked.
    const file = path.join(dir, 'no-floors.md')
    const noFloors = policy('no-floors.yaml', `primary: { metric: macro_f1 }\nevaluation: { dataset: tweets-eval, version: ${evalA} }`)
    const fresh = await gate('3', noFloors, '--against', 'canary-2', '--first-deployment', '--report', file)
    assert.equal(fresh.code, 0, fresh.stdout + fresh.stderr)
    assert.match(fresh.stdout, /^PASS  tweets version 3 vs nothing at canary-2 \(first deployment\)\n/)
    assert.match(fresh.stdout, /\nwarning: no metric was checked: this is a first deployment to canary-2 and the policy sets no floors/)
    assert.match(fs.readFileSync(file, 'utf8'), /\n> \*\*Warning:\*\* no metric was checked/)
    assert.deepEqual((await gateResults('3')).map((r: any) => [r.verdict, r.against_alias]), [['pass', 'canary-2']])
  })

  test('a worse model fails (exit 1) and production is untouched; deploy refuses it unless forced with a reason', async () => {
    const { code, outcome } = await gateJson('3', evaluated)
    assert.equal(code, 1)
    assert.equal(outcome.verdict, 'fail')
    assert.match(outcome.reasons[0], /^macro_f1 0\.\d+ → 0\.\d+ \(−0\.\d+\): worse than the champion, needs 0\.01$/)
    assert.equal(await production(), '2')

    const refused = await cli('deploy', '--model', 'tweets', '--version', '3')
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /^railyard: The newest gate result for version 3 of tweets against 'production' \(#\d+\) is 'fail': macro_f1 .* \(RESOURCE_CONFLICT\)\n$/)
    const noReason = await cli('deploy', '--model', 'tweets', '--version', '3', '--force')
    assert.equal(noReason.code, 2)
    assert.match(noReason.stderr, /--force needs --reason/)
    assert.equal(await production(), '2')
    const forced = await cli('deploy', '--model', 'tweets', '--version', '3', '--force', '--reason', 'demo of a forced deploy')
    assert.equal(forced.code, 0, forced.stderr)
    assert.match(forced.stdout, /^tweets@production → version 3 \(was version 2\): forced\n$/)
    assert.equal(await production(), '3')
  })

  test('rollback restores the previous version, then the one before; deployments lists the history', async () => {
    const back = await cli('rollback', 'tweets', '--reason', 'forced deploy was a demo')
    assert.equal(back.code, 0, back.stderr)
    assert.equal(back.stdout, 'tweets@production → version 2 (was version 3): rolled back\n')
    assert.equal(await production(), '2')
    assert.equal((await cli('rollback', 'tweets')).code, 0)
    assert.equal(await production(), '1')
    const none = await cli('rollback', 'tweets')
    assert.equal(none.code, 1)
    assert.match(none.stderr, /Cannot roll back: tweets@production points to version 1 and its history holds no earlier version/)

    const json = await cli('deployments', 'tweets', '--alias', 'production', '--json')
    assert.equal(json.code, 0, json.stderr)
    const history = JSON.parse(json.stdout)
    assert.deepEqual(
      history.map((d: any) => [d.kind, d.previous_version ?? null, d.version, d.gate_verdict ?? null]),
      [
        ['rollback', '2', '1', 'pass'],
        ['rollback', '3', '2', 'pass'],
        ['forced', '2', '3', 'fail'],
        ['deploy', '1', '2', 'pass'],
        ['deploy', null, '1', 'pass'],
      ],
    )
    assert.equal(history[1].reason, 'rollback from version 3 to version 2: forced deploy was a demo')
    assert.equal(history[2].reason, 'forced: demo of a forced deploy')
    const table = await cli('deployments', 'tweets')
    const [header, first] = table.stdout.split('\n')
    assert.match(header, /^WHEN\s+ALIAS\s+VERSION\s+FROM\s+KIND\s+GATE\s+WHO\s+REASON$/)
    assert.match(first, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+production\s+1\s+2\s+rollback\s+pass #\d+\s+\S+\s+rollback from version 2 to version 1$/)
  })

  test('logged metrics are compared only when both runs used the same evaluation dataset version', async () => {
    const logged = policy('logged.yaml', 'primary: { metric: macro_f1, min_improvement: 0.01 }\nlogged_metrics: { dataset: tweets-eval }\n')
    // v2's and v1's runs (production is 1 again) were both scored on version A.
    const same = await gateJson('2', logged)
    assert.equal(same.code, 0, same.stdout)
    assert.equal(same.outcome.mode, 'logged_metrics')
    assert.deepEqual([same.outcome.data.dataset, same.outcome.data.version], ['tweets-eval', evalA])
    const run2 = await client.runs.get((await server.api('GET', '/api/2.0/mlflow/model-versions/get', { name: 'tweets', version: '2' })).model_version.run_id)
    assert.equal(same.outcome.metrics.challenger.macro_f1, run2.data.metrics!.find((m) => m.key === 'macro_f1')!.value)

    // v4's run was scored on version B: its numbers are not comparable, so the gate refuses.
    const mismatch = await gateJson('latest', logged)
    assert.equal(mismatch.code, 2)
    assert.equal(mismatch.outcome.candidate, '4')
    assert.equal(mismatch.outcome.verdict, 'error')
    const short = (id: string) => id.slice(7, 19)
    assert.match(
      mismatch.outcome.error,
      new RegExp(`cannot compare logged metrics fairly: the candidate \\(version 4, run \\w+\\) was evaluated on tweets-eval@${short(evalB)} but the champion \\(version 1, run \\w+\\) on tweets-eval@${short(evalA)}`),
    )
    assert.deepEqual((await gateResults('4')).map((r: any) => r.verdict), ['error'])
    assert.equal(await production(), '1')
    // Evaluated by the gate on one named version, the same two models compare fine.
    const fair = await gateJson('4', policy('fair.yaml', `primary: { metric: macro_f1 }\nevaluation: { dataset: tweets-eval, frozen_for: sentiment }`))
    assert.equal(fair.code, 0, fair.stdout)
    assert.deepEqual([fair.outcome.data.kind, fair.outcome.data.version, fair.outcome.data.experiment], ['frozen', evalA, 'sentiment'])
  })

  test('size and latency limits; a local evaluation file and a user evaluation module', async () => {
    fs.writeFileSync(path.join(dir, 'eval.jsonl'), fs.readFileSync(path.join(dir, 'tweets-eval', 'val.jsonl')))
    fs.writeFileSync(
      path.join(dir, 'evaluate.mjs'),
      'export function evaluate(predictions, labels) {\n  return { positive_share: predictions.filter((p) => p.label === "positive").length / labels.length }\n}\n',
    )
    const tight = policy(
      'tight.yaml',
      `primary: { metric: macro_f1 }\nfloors: { positive_share: 0.01 }\nlimits: { max_model_bytes: 10KB, max_p95_latency_ms: 0.000001, latency_samples: 20 }\nevaluation: { path: eval.jsonl, text_field: text, module: ./evaluate.mjs }`,
    )
    const { code, outcome } = await gateJson('2', tight, '--against', 'limits-test', '--first-deployment')
    assert.equal(code, 1)
    assert.deepEqual(outcome.checks.map((c: any) => [c.kind, c.ok]), [['floor', true], ['size', false], ['latency', false]])
    assert.match(outcome.reasons[0], /^the version's files take 1\d\d\.\d KB, more than the limit of 10\.0 KB$/)
    assert.match(outcome.reasons[1], /^p95 of 20 single predictions is \d+\.\d+ ms, over the limit of 0\.000001 ms$/)
    assert.ok(outcome.metrics.challenger.positive_share > 0.1)
    assert.equal(outcome.data.kind, 'path')
    assert.match(outcome.data.files[0].oid, /^sha256:[0-9a-f]{64}$/)

    // A name the module does not return is an error once the candidate is scored, before the champion is.
    const typo = policy('module-typo.yaml', `primary: { metric: macro_f1 }\nfloors: { postive_share: 0.01 }\nevaluation: { path: eval.jsonl, text_field: text, module: ./evaluate.mjs }`)
    const missing = await gateJson('2', typo, '--against', 'limits-test', '--first-deployment')
    assert.equal(missing.code, 2)
    assert.match(missing.outcome.error, /^the candidate \(version 2\) has no metric 'postive_share' \(the policy names it\); it has: accuracy, .*positive_share/)
  })

  test('behavioural tests: expectations and invariance pairs must pass', async () => {
    const behaviour = path.join(REPO, 'examples/ci/behaviour.jsonl')
    const file = policy('behaviour.yaml', `primary: { metric: macro_f1 }\nbehavioural_tests: [${behaviour}]\nevaluation: { dataset: tweets-eval, version: ${evalA}, text_field: text }`)
    const good = await gateJson('2', file, '--against', 'qa', '--first-deployment')
    assert.equal(good.code, 0, JSON.stringify(good.outcome.behavioural))
    assert.deepEqual(good.outcome.behavioural.map((b: any) => [b.file, b.cases, b.passed]), [['examples/ci/behaviour.jsonl', 6, 6]])
    // Run from elsewhere, a file outside the working directory is named by its absolute path, not '../../…'.
    const elsewhere = await cliIn(dir, 'gate', '--model', 'tweets', '--candidate', '2', '--policy', 'behaviour.yaml', '--against', 'qa', '--first-deployment', '--json')
    assert.equal(elsewhere.code, 0, elsewhere.stderr)
    const far = JSON.parse(elsewhere.stdout)
    assert.deepEqual([far.policy, far.behavioural[0].file], ['behaviour.yaml', behaviour])
    const bad = await gateJson('3', file, '--against', 'qa', '--first-deployment')
    assert.equal(bad.code, 1)
    const [result] = bad.outcome.behavioural
    assert.ok(result.passed < 6)
    assert.equal(result.failures[0].line, 2)
    assert.match(result.failures[0].detail, /^"I hate this so much, worst day ever": expected 'negative', got '(positive|neutral)'$/)
    const broken = policy('broken.yaml', `primary: { metric: macro_f1 }\nbehavioural_tests: [${path.join(dir, 'broken.jsonl')}]\nevaluation: { path: eval.jsonl }`)
    fs.writeFileSync(path.join(dir, 'broken.jsonl'), '{"input": "fine", "expected": "positive"}\n{"text": "no shape"}\n')
    const error = await gateJson('2', broken, '--against', 'qa', '--first-deployment')
    assert.equal(error.code, 2)
    assert.match(error.outcome.error, /broken\.jsonl:2: a behavioural test is \{"input": …, "expected": …\} or an invariance pair \{"a": …, "b": …\}/)
  })

  test("a candidate that fails to load is an error naming its files from the model's root, not the download cache", async () => {
    const model = path.join(dir, 'reads-missing')
    fs.mkdirSync(model)
    fs.writeFileSync(path.join(model, 'predict.mjs'), `import fs from 'node:fs'\nexport function load(dir) { fs.readFileSync(dir + '/weights/w.bin') }\n`)
    const run = await startRun({ client, experimentName: 'broken' })
    await logModel(run, model, { flavor: 'railyard_js', registeredModelName: 'broken' })
    await run.end()
    const res = await cli('gate', '--model', 'broken', '--candidate', '1', '--policy', evaluated, '--against', 'production', '--first-deployment', '--json')
    assert.equal(res.code, 2, res.stderr)
    const outcome = JSON.parse(res.stdout)
    assert.equal(outcome.error, "cannot load the candidate (version 1): load() of 'predict.mjs' threw: ENOENT: no such file or directory, open 'weights/w.bin'")
    // A verdict about the version: recorded on it.
    const results = (await server.api('GET', '/api/2.0/railyard/gates/list', { name: 'broken', version: '1' })).gate_results ?? []
    assert.deepEqual(results.map((r: any) => r.verdict), ['error'])
  })
})
