import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { ApiError } from '@railyard/api'
import { DIALECTS } from '../testing/databases.js'
import { createTestApp, type TestApp } from '../testing/test-app.js'
import { registryClient, trainRun } from './registry-fixtures.js'

/** A webhook receiver on 127.0.0.1:0 that keeps every event it gets. */
async function startReceiver() {
  const events: Array<{ event: string; data: any }> = []
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      events.push(JSON.parse(body))
      res.writeHead(200).end('ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    events,
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

for (const dialect of DIALECTS) {
  describe(`gate results, deploy, rollback and deployment history (${dialect})`, () => {
    let t: TestApp
    let api: ReturnType<typeof registryClient>
    let receiver: Awaited<ReturnType<typeof startReceiver>>
    const gate = (body: Record<string, unknown>) => api.railyard('POST', '/gates/record', { name: 'tweets', against_alias: 'production', ...body })
    const deploy = (body: Record<string, unknown>) => api.railyard('POST', '/deployments/deploy', { name: 'tweets', ...body })
    const rollback = (body: Record<string, unknown> = {}) => api.railyard('POST', '/deployments/rollback', { name: 'tweets', ...body })
    const production = async () => (await api.mlflow('GET', '/registered-models/alias', { name: 'tweets', alias: 'production' })).body.model_version?.version
    const aliasAudit = async () =>
      (await api.railyard('GET', '/registered-models/audit', { name: 'tweets' })).body.entries.filter((e: any) => e.action.startsWith('alias.'))

    before(async () => {
      t = await createTestApp(dialect)
      t.services.registry.webhooks.setRetryPolicy({ baseMs: 10, maxMs: 50 })
      api = registryClient(t.app, { 'x-railyard-user': 'ci-bot' })
      receiver = await startReceiver()
      const hook = await api.railyard('POST', '/webhooks/create', { url: receiver.url, events: ['gate.recorded', 'alias.set'], secret: 'a-long-secret' })
      assert.equal(hook.status, 200, JSON.stringify(hook.body))
      const run = await trainRun(t.app)
      await api.mlflow('POST', '/registered-models/create', { name: 'tweets' })
      for (let i = 0; i < 4; i++) {
        const res = await api.mlflow('POST', '/model-versions/create', { name: 'tweets', source: `runs:/${run.runId}/model` })
        assert.equal(res.body.model_version.status, 'READY')
      }
    })
    after(async () => {
      await t.dispose()
      await receiver.close()
    })

    test('recording a gate result: validated, stored on the version, tagged, announced once', async () => {
      const unknownModel = await api.railyard('POST', '/gates/record', { name: 'nope', version: '1', against_alias: 'production', verdict: 'pass' })
      assert.equal(unknownModel.status, 404)
      assert.equal(unknownModel.body.error_code, 'RESOURCE_DOES_NOT_EXIST')
      const unknownVersion = await gate({ version: '9', verdict: 'pass' })
      assert.equal(unknownVersion.status, 404)
      const badVerdict = await gate({ version: '1', verdict: 'maybe' })
      assert.equal(badVerdict.status, 400)
      assert.match(badVerdict.body.message, /'verdict'.*pass, fail, error/)
      const badAlias = await gate({ version: '1', verdict: 'pass', against_alias: 'prod/uction' })
      assert.equal(badAlias.status, 400)
      const missing = await api.railyard('POST', '/gates/record', { name: 'tweets', version: '1', verdict: 'pass' })
      assert.equal(missing.status, 400)
      assert.match(missing.body.message, /against_alias/)

      const report = { verdict: 'pass', metrics: { challenger: { macro_f1: 0.5 } }, dataset: { name: 'tweets-eval', version: 'sha256:abc' } }
      const first = await gate({ version: '1', verdict: 'pass', summary: 'first deployment: floors met', report, markdown: '## Gate: pass' })
      assert.equal(first.status, 200, JSON.stringify(first.body))
      const result = first.body.gate_result
      assert.deepEqual(
        { ...result, created_at: typeof result.created_at },
        { id: result.id, name: 'tweets', version: '1', against_alias: 'production', verdict: 'pass', summary: 'first deployment: floors met', who: 'ci-bot', created_at: 'number' },
      )
      const got = await api.railyard('GET', '/gates/get', { id: result.id })
      assert.deepEqual(got.body.gate_result, { ...result, report, markdown: '## Gate: pass' })
      assert.equal((await api.railyard('GET', '/gates/get', { id: '999999' })).status, 404)
      assert.equal((await api.railyard('GET', '/gates/get', { id: 'x' })).status, 404)

      const v1 = (await api.mlflow('GET', '/model-versions/get', { name: 'tweets', version: '1' })).body.model_version
      assert.deepEqual(v1.tags, [{ key: 'railyard.gate.production', value: 'pass' }])
      await until('the gate.recorded webhook', () => receiver.events.some((e) => e.event === 'gate.recorded'))
      const announced = receiver.events.filter((e) => e.event === 'gate.recorded')
      assert.equal(announced.length, 1)
      assert.deepEqual(announced[0].data.gate_result, result)
    })

    test('deploy refuses a version without a passing, current gate; force needs a reason', async () => {
      const firstDeploy = await deploy({ version: '1' })
      assert.equal(firstDeploy.status, 200, JSON.stringify(firstDeploy.body))
      assert.equal(firstDeploy.body.changed, true)
      assert.equal(firstDeploy.body.deployment.kind, 'deploy')
      assert.equal(firstDeploy.body.deployment.gate_verdict, 'pass')
      assert.equal(await production(), '1')

      const noGate = await deploy({ version: '2' })
      assert.equal(noGate.status, 409)
      assert.match(noGate.body.message, /Version 2 of tweets has no gate result against 'production'/)
      await gate({ version: '2', verdict: 'fail', champion_version: '1', summary: 'macro_f1 0.37 < 0.50 (champion)' })
      const failed = await deploy({ version: '2' })
      assert.equal(failed.status, 409)
      assert.equal(failed.body.error_code, 'RESOURCE_CONFLICT', 'a refusal, not a bad value')
      assert.match(failed.body.message, /is 'fail': macro_f1 0\.37 < 0\.50 \(champion\)/)
      // A result against another alias does not count for production.
      await gate({ version: '2', verdict: 'pass', against_alias: 'staging', champion_version: '1' })
      assert.equal((await deploy({ version: '2' })).status, 409)
      // A pass against version 1 does not allow replacing some other version later.
      await gate({ version: '3', verdict: 'pass' })
      const stale = await deploy({ version: '3' })
      assert.equal(stale.status, 409)
      assert.match(stale.body.message, /compared it with no version \(a first deployment\), but 'production' points to version 1 now/)
      assert.equal(await production(), '1')

      const noReason = await deploy({ version: '2', force: true, reason: '  ' })
      assert.equal(noReason.status, 400)
      assert.match(noReason.body.message, /forced deploy needs a reason/)
      const deleted = await api.mlflow('POST', '/model-versions/create', { name: 'tweets', source: 'models:/tweets/1' })
      assert.equal(deleted.body.model_version.version, '5')
      await api.mlflow('DELETE', '/model-versions/delete', { name: 'tweets', version: '5' })
      assert.equal((await deploy({ version: '5', force: true, reason: 'x' })).status, 404)

      const forced = await deploy({ version: '2', force: true, reason: 'hotfix for the outage' })
      assert.equal(forced.status, 200, JSON.stringify(forced.body))
      assert.equal(forced.body.deployment.kind, 'forced')
      assert.equal(forced.body.deployment.reason, 'forced: hotfix for the outage')
      assert.equal(forced.body.deployment.previous_version, '1')
      assert.equal(await production(), '2')

      await gate({ version: '3', verdict: 'pass', champion_version: '2', summary: 'macro_f1 +0.04' })
      const ok = await deploy({ version: 3, reason: 'weekly retrain' })
      assert.equal(ok.status, 200, JSON.stringify(ok.body))
      assert.equal(ok.body.deployment.reason, `weekly retrain (gate #${ok.body.deployment.gate_id} passed)`)
      assert.equal(await production(), '3')

      const before = (await aliasAudit()).length
      const again = await deploy({ version: '3' })
      assert.equal(again.status, 200)
      assert.equal(again.body.changed, false)
      assert.equal(again.body.deployment.version, '3')
      assert.equal((await aliasAudit()).length, before)

      const entries = await aliasAudit()
      assert.deepEqual(
        entries.map((e: any) => [e.from, e.to, e.who, e.reason]),
        [
          [undefined, '1', 'ci-bot', `gate #${firstDeploy.body.deployment.gate_id} passed`],
          ['1', '2', 'ci-bot', 'forced: hotfix for the outage'],
          ['2', '3', 'ci-bot', ok.body.deployment.reason],
        ],
      )
      // Each move is announced exactly once, by the registry.
      await until('three alias.set webhooks', () => receiver.events.filter((e) => e.event === 'alias.set').length >= 3)
      await new Promise((r) => setTimeout(r, 100))
      assert.deepEqual(receiver.events.filter((e) => e.event === 'alias.set').map((e) => e.data.version), ['1', '2', '3'])
    })

    test('rollback walks back through the history; with nowhere to go it is a 400', async () => {
      const first = await rollback({ reason: 'latency regression' })
      assert.equal(first.status, 200, JSON.stringify(first.body))
      assert.deepEqual(
        { ...first.body.deployment, id: undefined, timestamp: undefined },
        {
          id: undefined,
          timestamp: undefined,
          name: 'tweets',
          alias: 'production',
          version: '2',
          previous_version: '3',
          kind: 'rollback',
          who: 'ci-bot',
          reason: 'rollback from version 3 to version 2: latency regression',
        },
      )
      assert.equal(await production(), '2')
      assert.equal((await rollback()).body.deployment.version, '1')
      assert.equal(await production(), '1')
      const none = await rollback()
      assert.equal(none.status, 409)
      assert.match(none.body.message, /Cannot roll back: tweets@production points to version 1 and its history holds no earlier version/)
      assert.equal(await production(), '1')

      const unset = await api.railyard('POST', '/deployments/rollback', { name: 'tweets', alias: 'canary' })
      assert.equal(unset.status, 409)
      assert.match(unset.body.message, /tweets@canary is not set/)
      assert.equal((await api.railyard('POST', '/deployments/rollback', { name: 'ghost' })).status, 404)
    })

    test('deployments lists every move of the alias, newest first, with its gate verdict', async () => {
      // A plain alias change made outside deploy shows up too.
      await api.mlflow('POST', '/registered-models/alias', { name: 'tweets', alias: 'production', version: '4', reason: 'manual' })
      const res = await api.railyard('GET', '/deployments', { name: 'tweets', alias: 'production' })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.deepEqual(
        res.body.deployments.map((d: any) => [d.kind, d.previous_version, d.version, d.gate_verdict, d.who]),
        [
          ['alias_set', '1', '4', undefined, 'ci-bot'],
          ['rollback', '2', '1', 'pass', 'ci-bot'],
          ['rollback', '3', '2', 'fail', 'ci-bot'],
          ['deploy', '2', '3', 'pass', 'ci-bot'],
          ['forced', '1', '2', 'fail', 'ci-bot'],
          ['deploy', undefined, '1', 'pass', 'ci-bot'],
        ],
      )
      assert.ok(res.body.deployments.every((d: any) => typeof d.timestamp === 'number' && d.alias === 'production'))
      const paged = await api.railyard('GET', '/deployments', { name: 'tweets', alias: 'production', max_results: 2 })
      assert.equal(paged.body.deployments.length, 2)
      const rest = await api.railyard('GET', '/deployments', { name: 'tweets', alias: 'production', page_token: paged.body.next_page_token })
      assert.equal(rest.body.deployments.length, 4)
      // Every alias when none is named; also on the ajax prefix the UI uses.
      const everything = await t.app.inject({ method: 'GET', url: '/ajax-api/2.0/railyard/deployments?name=tweets' })
      assert.equal(JSON.parse(everything.body).deployments.length, 6)

      const list = await api.railyard('GET', '/gates/list', { name: 'tweets', version: '2' })
      assert.deepEqual(list.body.gate_results.map((g: any) => [g.against_alias, g.verdict]), [['staging', 'pass'], ['production', 'fail']])
      assert.equal(list.body.gate_results[0].report, undefined)
      const prod = await api.railyard('GET', '/gates/list', { name: 'tweets', against_alias: 'production', max_results: 1 })
      assert.equal(prod.body.gate_results[0].version, '3')
      assert.ok(prod.body.next_page_token)
    })

    test('a move decided on an alias that another process moved meanwhile is refused (409) and changes nothing', async () => {
      // What a second server process sharing this database sees: deploy/rollback decided while the
      // alias pointed to `expected`, and the move arrives after someone else moved it.
      assert.equal(await production(), '4')
      const audited = (await aliasAudit()).length
      const moved = await t.services.registry.models.setAlias('tweets', 'production', 2, { who: 'other-server' }, 1).catch((e: unknown) => e)
      assert.ok(moved instanceof ApiError && moved.code === 'RESOURCE_CONFLICT', String(moved))
      assert.match(moved.message, /tweets@production pointed to version 1 when this change was decided but points to version 4 now/)
      const unset = await t.services.registry.models.setAlias('tweets', 'canary', 2, { who: 'other-server' }, 3).catch((e: unknown) => e)
      assert.match(String(unset), /tweets@canary pointed to version 3 when this change was decided but is not set now/)
      assert.equal(await production(), '4')
      assert.equal((await aliasAudit()).length, audited, 'nothing was audited')
      // The expected state still holds: the move goes through.
      await t.services.registry.models.setAlias('tweets', 'production', 1, { who: 'other-server', reason: 'expected 4' }, 4)
      assert.equal(await production(), '1')
      await t.services.registry.models.setAlias('tweets', 'canary', 1, { who: 'other-server' }, null)
      assert.equal((await api.mlflow('GET', '/registered-models/alias', { name: 'tweets', alias: 'canary' })).body.model_version.version, '1')
    })
  })
}
