import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { screenshot } from './browser.js'
import { browserSuite } from './browser-suite.js'
import { eventually } from './eventually.js'
import { seedScenario, type Scenario } from './scenario.js'
import { Seeder } from './seed.js'

describe('models in the browser', () => {
  const ui = browserSuite()
  let sc: Scenario
  before(async () => {
    sc = await seedScenario(ui.server)
  })

  test('the models list and the model page single out what is in production, with gates, deployments and audit', async () => {
    const { page, errors } = await ui.browser.open(`${ui.server.url}/models`)
    const list = page.getByRole('table', { name: 'Registered models' })
    await list.getByRole('link', { name: 'churn' }).waitFor()
    assert.match(await list.innerText(), /churn\s+version 1\s+2/)
    await screenshot(page, 'models')
    await list.getByRole('link', { name: 'churn' }).click()

    const banner = page.locator('.production-banner')
    await banner.getByRole('link', { name: 'version 1' }).waitFor()
    assert.match(await banner.innerText(), /In production\s+version 1/i)
    assert.match(await banner.innerText(), /deployed by alice/)
    const productionBadge = page.locator('h1 .alias-production')
    assert.match(await productionBadge.innerText(), /^@production\s*v1$/)
    assert.match(await page.locator('h1 .alias:not(.alias-production)').innerText(), /^@staging\s*v2$/)

    const versions = page.getByRole('table', { name: 'Model versions' })
    await versions.locator('tbody tr').nth(1).waitFor()
    assert.match(await versions.locator('tr.row-production').innerText(), /Version 1\s+@production/)
    // The runs behind the versions, by name (their ids share a time-ordered prefix).
    await eventually(async () => assert.match(await versions.innerText(), /Version 2[\s\S]*deeper[\s\S]*Version 1[\s\S]*baseline/))

    const gates = page.getByRole('table', { name: 'Gate results' })
    await gates.waitFor()
    assert.match(await gates.innerText(), /v2\s+@production \(was v1\)\s+✓ pass\s+auc \+0\.09 vs production v1/)
    await gates.locator('tbody tr').first().getByRole('button', { name: 'Show' }).click()
    await page.locator('pre.report', { hasText: 'Gate: churn v2 vs production v1' }).waitFor()

    const deployments = page.getByRole('table', { name: 'Deployment history' })
    assert.match(await deployments.innerText(), /@production\s+— → v1\s+deployed\s+✓ pass\s+alice\s+first model/)
    const audit = page.getByRole('table', { name: 'Audit trail' })
    assert.match(await audit.innerText(), /alice\s+set alias v1 @production/)
    assert.match(await audit.innerText(), /registered version v2/)
    await screenshot(page, 'model')
    assert.deepEqual(errors, [])
  })

  test('a version page shows its lineage and how it differs from production', async () => {
    const { page, errors } = await ui.browser.open(`${ui.server.url}/models/churn/versions/2`)
    const lineage = page.getByRole('list', { name: 'Lineage' })
    await lineage.getByRole('link', { name: 'deeper' }).waitFor()
    const text = await lineage.innerText()
    assert.match(text, /churn v2/)
    assert.match(text, /in churn-model/)
    assert.match(text, /8b7c6d5e4f3a/, 'the commit')
    assert.match(text, /branch main/)
    assert.match(text, /tweets @[0-9a-f]{8}/, 'the dataset version')
    await lineage.getByText('tweets-store').waitFor()
    assert.match(await lineage.innerText(), /local · file:\/\//, 'the datastore')
    assert.equal(await lineage.getByRole('link', { name: 'deeper' }).getAttribute('href'), `/runs/${sc.runs.deeper}`)
    assert.equal(
      await lineage.getByRole('link', { name: /tweets @/ }).getAttribute('href'),
      `/datasets/tweets/versions/${encodeURIComponent(sc.tweetsV1)}`,
    )

    const select = page.getByRole('combobox', { name: 'Compare with' })
    await eventually(async () => assert.equal(await select.inputValue(), '1'))
    const deltas = page.getByRole('table', { name: 'Metric deltas' })
    await deltas.waitFor()
    assert.match(await deltas.innerText(), /auc\s+0\.81\s+0\.9\s+\+0\.09/)
    assert.match(await deltas.innerText(), /loss\s+0\.45\s+0\.3\s+−0\.15/)
    assert.match(await page.getByRole('table', { name: 'Parameter changes' }).innerText(), /lr\s+0\.1\s+0\.05/)
    assert.match(await page.locator('.compare-block', { hasText: 'Code' }).innerText(), /3f2a9c1d7e5b → 8b7c6d5e4f3a/)
    assert.match(await page.locator('.compare-block', { hasText: 'Model files' }).innerText(), /weights\.bin/)
    await screenshot(page, 'model-version')
    assert.deepEqual(errors, [])
  })
  test('a version registered by its own training script shows its run as it is now, not RUNNING as at registration', async () => {
    const seed = new Seeder(ui.server.url, ui.server.dataDir)
    const run = await seed.run({ experimentId: sc.churnExperiment, name: 'registers-itself', metrics: { auc: [0.8] }, finish: false })
    await seed.artifact(run.artifactUri, 'model/MLmodel', 'artifact_path: model\nflavors:\n  railyard_js:\n    module: predict.mjs\n')
    await seed.mlflow('POST', '/registered-models/create', { name: 'self-registered' })
    const version = await seed.register('self-registered', run.runId)
    await seed.mlflow('POST', '/runs/update', { run_id: run.runId, status: 'FINISHED', end_time: Date.now() })

    const { page, errors } = await ui.browser.open(`${ui.server.url}/models/self-registered/versions/${version}`)
    const lineage = page.getByRole('list', { name: 'Lineage' })
    await lineage.getByRole('link', { name: 'registers-itself' }).waitFor()
    const runStep = lineage.locator('li', { hasText: 'registers-itself' })
    assert.match(await runStep.innerText(), /Finished\s*\(running at registration\)/)
    assert.doesNotMatch(await runStep.innerText(), /● Running/)
    // A version of a run that had finished says so once, with no note.
    const { page: older } = await ui.browser.open(`${ui.server.url}/models/churn/versions/2`)
    const olderRun = older.getByRole('list', { name: 'Lineage' }).locator('li', { hasText: 'deeper' })
    await olderRun.waitFor()
    assert.match(await olderRun.innerText(), /Finished/)
    assert.doesNotMatch(await olderRun.innerText(), /at registration/)
    assert.deepEqual(errors, [])
  })
})
