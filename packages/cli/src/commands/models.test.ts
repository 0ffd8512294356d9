import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { RailyardClient, logModel, saveModel, startRun } from '@railyard/sdk'
import { runCli, startServer, type TestServer } from '../testing/cli.js'

/** A railyard_js model returning `factor` for every input. */
function writeConstantModel(dir: string, factor: number): void {
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, 'predict.mjs'), `export const load = () => ({ predict: (xs) => xs.map(() => ${factor}) })\n`)
}

describe('railyard models', () => {
  let server: TestServer
  let client: RailyardClient
  let work: string
  let cli: (...args: string[]) => ReturnType<typeof runCli>
  const runs: Record<string, string> = {}

  before(async () => {
    server = await startServer('sqlite')
    client = new RailyardClient({ trackingUri: server.url })
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-cli-models-'))
    cli = (...args) => runCli(['--tracking-uri', server.url, ...args])
    // Two trained runs, as `railyard run` records them: commit, params, metrics, the dataset used, a model.
    for (const [name, commit, lr, acc, digest] of [
      ['first', 'aaaa111', '0.1', 0.8, 'd1'],
      ['second', 'bbbb222', '0.05', 0.85, 'd2'],
    ] as const) {
      const run = await startRun({ client, experimentName: 'tweets', runName: name, tags: { 'mlflow.source.git.commit': commit } })
      await run.logParams({ lr, model: 'nb' })
      run.logMetrics({ val_acc: acc })
      await run.logInputs([{ dataset: { name: 'tweets-train', digest, source_type: 'local', source: '/data/train.jsonl' } }])
      const dir = path.join(work, name)
      writeConstantModel(dir, acc)
      await logModel(run, dir, { flavor: 'railyard_js' })
      await run.end()
      runs[name] = run.runId
    }
  })
  after(async () => {
    await server.close()
    fs.rmSync(work, { recursive: true, force: true })
  })

  test('register from runs:/ and from a local directory; versions and ls list them', async () => {
    const first = await cli('models', 'register', `runs:/${runs.first}/model`, '--name', 'tweets', '--description', 'baseline', '--json')
    assert.equal(first.code, 0, first.stderr)
    const v1 = JSON.parse(first.stdout)
    assert.equal(v1.version, '1')
    assert.equal(v1.status, 'READY')
    assert.equal(v1.run_id, runs.first)
    assert.equal(v1.description, 'baseline')

    const second = await cli('models', 'register', `runs:/${runs.second}/model`, '-n', 'tweets', '--tag', 'team=nlp')
    assert.equal(second.code, 0, second.stderr)
    assert.equal(second.stdout, `Registered tweets version 2 (READY) from runs:/${runs.second}/model\n`)

    // A directory on disk is logged to a new run of --experiment, then registered from it.
    const saved = path.join(work, 'handover')
    writeConstantModel(saved, 7)
    await saveModel(saved, { flavor: 'railyard_js' })
    const local = await cli('models', 'register', saved, '--name', 'handover', '--experiment', 'tweets', '--reason', 'hand-over', '--json')
    assert.equal(local.code, 0, local.stderr)
    const v = JSON.parse(local.stdout)
    assert.equal(v.version, '1')
    const run = await client.runs.get(v.run_id)
    assert.equal(run.info.status, 'FINISHED')
    assert.equal(run.data.tags?.find((t) => t.key === 'mlflow.source.name')?.value, saved)
    assert.match(v.source, new RegExp(`^mlflow-artifacts:/\\d+/${v.run_id}/artifacts/model$`))

    const [versions, versionsJson, ls, lsJson] = await Promise.all([
      cli('models', 'versions', 'tweets'),
      cli('models', 'versions', 'tweets', '--json'),
      cli('models', 'ls'),
      cli('models', 'ls', '--json'),
    ])
    assert.equal(versions.code, 0, versions.stderr)
    const [header, ...rows] = versions.stdout.trimEnd().split('\n')
    assert.match(header, /^VERSION\s+STATUS\s+ALIASES\s+STAGE\s+RUN ID\s+CREATED\s+DESCRIPTION$/)
    assert.deepEqual(rows.map((r) => r.split(/\s+/).slice(0, 5)), [
      ['2', 'READY', '-', 'None', runs.second],
      ['1', 'READY', '-', 'None', runs.first],
    ])
    assert.deepEqual(JSON.parse(versionsJson.stdout).map((x: { version: string }) => x.version), ['2', '1'])
    assert.match(ls.stdout, /^NAME\s+LATEST\s+ALIASES\s+UPDATED\s+DESCRIPTION\n/)
    assert.match(ls.stdout, /\ntweets\s+2\s+-\s+/)
    assert.match(ls.stdout, /\nhandover\s+1\s+-\s+/)
    assert.deepEqual(JSON.parse(lsJson.stdout).map((m: { name: string }) => m.name).sort(), ['handover', 'tweets'])
  })

  test('alias sets, moves, shows and deletes, each move audited with who and why', async () => {
    const set = await cli('models', 'alias', 'tweets', 'production', '1', '--reason', 'first release')
    assert.equal(set.code, 0, set.stderr)
    assert.equal(set.stdout, 'tweets@production: (new) → 1\n')
    const moved = await cli('models', 'alias', 'tweets', 'production', '2', '--reason', 'better val_acc', '--json')
    assert.deepEqual(JSON.parse(moved.stdout), { name: 'tweets', alias: 'production', version: '2', previous_version: '1' })
    assert.equal((await cli('models', 'alias', 'tweets', 'production')).stdout, '2\n')
    // A version argument may itself be an alias.
    assert.equal((await cli('models', 'alias', 'tweets', 'champion', '@production')).stdout, 'tweets@champion: (new) → 2\n')
    const deleted = await cli('models', 'alias', 'tweets', 'champion', '--delete', '--reason', 'not needed')
    assert.equal(deleted.stdout, 'Deleted alias tweets@champion (was version 2)\n')

    const show = await cli('models', 'show', 'tweets')
    assert.equal(show.code, 0, show.stderr)
    assert.match(show.stdout, /Aliases:\n  production  version 2\n/)
    assert.match(show.stdout, /Versions:\nVERSION.*\n2\s+READY\s+production\s+None/)

    const audit = await cli('models', 'audit', 'tweets', '--json')
    assert.equal(audit.code, 0, audit.stderr)
    const aliasMoves = JSON.parse(audit.stdout).filter((e: { action: string }) => e.action.startsWith('alias.'))
    assert.deepEqual(
      aliasMoves.map((e: Record<string, string>) => [e.action, e.subject, e.from ?? null, e.to ?? null, e.reason ?? null]),
      [
        ['alias.set', 'production', null, '1', 'first release'],
        ['alias.set', 'production', '1', '2', 'better val_acc'],
        ['alias.set', 'champion', null, '2', null],
        ['alias.deleted', 'champion', '2', null, 'not needed'],
      ],
    )
    assert.ok(aliasMoves.every((e: { who: string }) => e.who === os.userInfo().username))
    const table = await cli('models', 'audit', 'tweets', '--max', '1')
    const lines = table.stdout.trimEnd().split('\n')
    assert.match(lines[0], /^TIME\s+WHO\s+ACTION\s+VERSION\s+ALIAS\s+CHANGE\s+REASON$/)
    assert.equal(lines.length, 2)
    assert.match(lines[1], /alias\.deleted\s+2\s+champion\s+2 → -\s+not needed$/)
  })

  test('registering files without an MLmodel warns that serve and gate cannot load them; a real model does not', async () => {
    const run = await startRun({ client, experimentName: 'tweets', runName: 'notes-only' })
    const notes = path.join(work, 'notes')
    fs.mkdirSync(notes, { recursive: true })
    fs.writeFileSync(path.join(notes, 'README.md'), 'not a model')
    await run.logArtifacts(notes, 'notes')
    await run.end()
    const folder = await cli('models', 'register', `runs:/${run.runId}/notes`, '--name', 'notes-only')
    assert.equal(folder.code, 0, folder.stderr)
    assert.match(folder.stderr, /warning: notes-only version 1 has no MLmodel file, so `railyard serve` and `railyard gate` cannot load it/)
    const model = await cli('models', 'register', `runs:/${runs.first}/model`, '--name', 'notes-only')
    assert.equal(model.code, 0, model.stderr)
    assert.doesNotMatch(model.stderr, /warning/)
  })

  test('lineage of a version registered inside its run shows the run as it is now and as it was then', async () => {
    const run = await startRun({ client, experimentName: 'tweets', runName: 'inside' })
    const dir = path.join(work, 'inside')
    writeConstantModel(dir, 0.7)
    await logModel(run, dir, { flavor: 'railyard_js' })
    const reg = await cli('models', 'register', `runs:/${run.runId}/model`, '--name', 'inside', '--tag', 'ci.pull_request=7', '--tag', 'git.ref=refs/pull/7/merge')
    assert.equal(reg.code, 0, reg.stderr)
    await run.end()
    const lineage = await cli('models', 'lineage', 'inside', '1')
    assert.equal(lineage.code, 0, lineage.stderr)
    assert.match(lineage.stdout, /\n\nVersion tags:\n  ci\.pull_request\s+7\n  git\.ref\s+refs\/pull\/7\/merge\n\nRun:/)
    assert.match(lineage.stdout, /status\s+FINISHED \(RUNNING at registration\)/)
    assert.match(lineage.stdout, /ended\s+\S.* \(- at registration\)/)
  })

  test('an alias that deploy manages is not moved or deleted here without --force --reason; an unset alias is not "deleted"', async () => {
    const deploy = await cli('deploy', '--model', 'tweets', '--version', '1', '--alias', 'guarded', '--force', '--reason', 'first rollout')
    assert.equal(deploy.code, 0, deploy.stderr)
    const moved = await cli('models', 'alias', 'tweets', 'guarded', '2')
    assert.equal(moved.code, 1)
    assert.match(moved.stderr, /tweets@guarded is deployed through `railyard deploy`, which checks the gate: move it with `railyard deploy --model tweets --version 2 --alias guarded`, or add --force --reason/)
    assert.equal((await cli('models', 'alias', 'tweets', 'guarded', '--delete')).code, 1)
    assert.equal((await cli('models', 'alias', 'tweets', 'guarded', '2', '--force')).code, 2, '--force needs a reason')
    assert.equal((await cli('models', 'alias', 'tweets', 'guarded')).stdout, '1\n', 'nothing moved')
    const forced = await cli('models', 'alias', 'tweets', 'guarded', '2', '--force', '--reason', 'hotfix')
    assert.equal(forced.code, 0, forced.stderr)
    assert.equal(forced.stdout, 'tweets@guarded: 1 → 2\n')

    const unset = await cli('models', 'alias', 'tweets', 'never-set', '--delete')
    assert.equal(unset.code, 1)
    assert.match(unset.stderr, /tweets has no alias 'never-set'; nothing was deleted/)
  })

  test('lineage names the commit, params, metrics and dataset of a version (by alias or number)', async () => {
    const text = await cli('models', 'lineage', 'tweets', 'production')
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, /Model version:\n  model\s+tweets version 2\n/)
    assert.match(text.stdout, new RegExp(`Run:\\n  id\\s+${runs.second}\\n  name\\s+second\\n  experiment\\s+\\d+ \\(tweets\\)`))
    assert.match(text.stdout, /Code:\n  commit\s+bbbb222\n/)
    assert.match(text.stdout, /Params:\n  lr\s+0.05\n  model\s+nb\n/)
    assert.match(text.stdout, /Metrics at registration:\n  val_acc\s+0.85/)
    assert.match(text.stdout, /Datasets:\n  tweets-train\s+d2  local: \/data\/train.jsonl/)
    const json = JSON.parse((await cli('models', 'lineage', 'tweets', '1', '--json')).stdout)
    assert.equal(json.code.commit, 'aaaa111')
    assert.equal(json.model_version.version, '1')
    assert.match(json.tree_oid, /^sha256:/)
  })

  test('compare shows metric deltas, changed params, datasets and commits', async () => {
    const json = JSON.parse((await cli('models', 'compare', 'tweets', '1', '2', '--json')).stdout)
    assert.deepEqual(json.metrics, [{ key: 'val_acc', a: 0.8, b: 0.85, delta: 0.85 - 0.8 }])
    assert.deepEqual(json.params.changed, [{ key: 'lr', a: '0.1', b: '0.05' }])
    assert.deepEqual(json.code, { a: 'aaaa111', b: 'bbbb222', same: false })
    const text = await cli('models', 'compare', 'tweets', '1', 'production')
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, /^tweets: version 1 \(base\) → version 2 \(candidate\)\n/)
    assert.match(text.stdout, /METRIC\s+V1\s+V2\s+DELTA\nval_acc\s+0.8\s+0.85\s+\+0.05\n/)
    assert.match(text.stdout, /Params:\n  lr\s+0.1 → 0.05\n  1 unchanged\n/)
    assert.match(text.stdout, /Datasets:\n  tweets-train\s+d1 → d2\n  0 unchanged\n/)
    assert.match(text.stdout, /Code:\n  commit\s+aaaa111 → bbbb222\n/)
    assert.match(text.stdout, /Files:\n  MLmodel\s+changed.*\n  predict.mjs\s+changed \(67 → 68 bytes\)\n  1 unchanged\n$/)
  })

  test('mistakes are one-line errors: exit 1 for what the server refuses, 2 for usage', async () => {
    const [unknown, noAlias, badVersion, noManifest, usage, both, missingName] = await Promise.all([
      cli('models', 'show', 'nope'),
      cli('models', 'lineage', 'tweets', 'staging'),
      cli('models', 'alias', 'tweets', 'production', '9'),
      cli('models', 'register', work, '--name', 'x'),
      cli('models', 'register', `runs:/${runs.first}/model`, '--name', 'x', '--flavor', 'onnx'),
      cli('models', 'alias', 'tweets', 'production', '1', '--delete'),
      cli('models', 'register', `runs:/${runs.first}/model`),
    ])
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /^railyard: .*nope.*\(RESOURCE_DOES_NOT_EXIST\)\n$/)
    assert.equal(noAlias.code, 1)
    assert.match(noAlias.stderr, /staging/)
    assert.equal(badVersion.code, 1)
    assert.match(badVersion.stderr, /\((RESOURCE_DOES_NOT_EXIST|INVALID_PARAMETER_VALUE)\)\n$/)
    assert.equal(noManifest.code, 1)
    assert.match(noManifest.stderr, /has no MLmodel; save it with the SDK's saveModel, or pass --flavor/)
    assert.equal(usage.code, 2)
    assert.match(usage.stderr, /--experiment and --flavor apply to local model directories only/)
    assert.equal(both.code, 2)
    assert.equal(missingName.code, 2)
    assert.match(missingName.stderr, /required option '-n, --name <name>' not specified/)
    // Nothing was changed by the failures.
    assert.equal((await cli('models', 'alias', 'tweets', 'production')).stdout, '2\n')
    assert.equal((await cli('models', 'ls', '--json')).stdout.includes('"x"'), false)
  })

  test('register --experiment NAME creates a missing experiment, as railyard run -e does', async () => {
    const saved = path.join(work, 'new-experiment-model')
    writeConstantModel(saved, 3)
    await saveModel(saved, { flavor: 'railyard_js' })
    const res = await cli('models', 'register', saved, '--name', 'fresh-experiment-model', '--experiment', 'hand-overs', '--json')
    assert.equal(res.code, 0, res.stderr)
    const run = await client.runs.get(JSON.parse(res.stdout).run_id)
    assert.equal((await client.experiments.get(run.info.experiment_id)).name, 'hand-overs')
  })
})
