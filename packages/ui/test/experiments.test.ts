import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Page } from 'playwright-core'
import { screenshot } from './browser.js'
import { browserSuite } from './browser-suite.js'
import { eventually } from './eventually.js'
import { seedScenario, type Scenario } from './scenario.js'

const runNames = (page: Page) => page.locator('table[aria-label="Runs"] tbody .run-name-cell a').allInnerTexts()

describe('experiments in the browser', () => {
  const ui = browserSuite()
  let sc: Scenario
  before(async () => {
    sc = await seedScenario(ui.server)
  })

  test('the experiments list links to an experiment whose runs table sorts by a metric on the server', async () => {
    const { page, errors } = await ui.browser.open(ui.server.url + '/')
    await page.getByRole('link', { name: 'churn-model' }).click()
    await eventually(async () => assert.equal(new URL(page.url()).pathname, `/experiments/${sc.churnExperiment}`))
    // Newest first by default.
    await eventually(async () => assert.deepEqual(await runNames(page), ['lr-too-high', 'wide', 'deeper', 'baseline']))
    const table = page.locator('table[aria-label="Runs"]')
    assert.match(await table.innerText(), /tweets @[0-9a-f]{8}/, 'dataset versions column')
    assert.match(await table.innerText(), /Failed/)

    await table.locator('th', { hasText: /^auc/ }).getByRole('button').click()
    // Highest first; the run without the metric last.
    await eventually(async () => assert.deepEqual(await runNames(page), ['deeper', 'wide', 'baseline', 'lr-too-high']))
    assert.equal(new URL(page.url()).searchParams.get('order'), 'metrics.`auc` DESC')
    assert.match(await table.locator('th[aria-sort="descending"]').innerText(), /^auc\s*▼$/)
    // Headers are buttons: the keyboard sorts too.
    await table.locator('th', { hasText: /^auc/ }).getByRole('button').focus()
    await page.keyboard.press('Enter')
    await eventually(async () => assert.deepEqual(await runNames(page), ['baseline', 'wide', 'deeper', 'lr-too-high']))
    await screenshot(page, 'experiment-runs')

    // The sorted view is a URL: opening it again gives the same order.
    const again = await ui.browser.open(page.url())
    await eventually(async () => assert.deepEqual(await runNames(again.page), ['baseline', 'wide', 'deeper', 'lr-too-high']))
    assert.deepEqual([...errors, ...again.errors], [])
  })

  test("the filter box filters with MLflow's grammar and shows the server's message for a bad filter", async () => {
    const { page, errors } = await ui.browser.open(`${ui.server.url}/experiments/${sc.churnExperiment}`)
    const box = page.getByRole('searchbox', { name: /Filter runs/ })
    await eventually(async () => assert.equal((await runNames(page)).length, 4))
    await box.fill("metrics.auc > 0.85 and params.optimizer = 'adam'")
    await box.press('Enter')
    await eventually(async () => assert.deepEqual((await runNames(page)).sort(), ['deeper', 'wide']))
    assert.equal(new URL(page.url()).searchParams.get('filter'), "metrics.auc > 0.85 and params.optimizer = 'adam'")
    assert.match(await page.locator('.runs-meta').innerText(), /^2 runs\b/)
    await box.fill("params.depth = '8'")
    await box.press('Enter')
    await eventually(async () => assert.deepEqual(await runNames(page), ['deeper']))
    assert.match(await page.locator('.runs-meta').innerText(), /^1 run\b/)
    // One ticked run cannot be compared yet; the button does not count it as "1 runs".
    await page.locator('table[aria-label="Runs"] tbody input[type="checkbox"]').first().check()
    assert.equal(await page.locator('.page-header button.primary, button.primary', { hasText: 'Compare' }).first().innerText(), 'Compare runs')

    const bad = 'metrics.auc >> 0.5'
    const refusal = await fetch(`${ui.server.url}/api/2.0/mlflow/runs/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ experiment_ids: [sc.churnExperiment], filter: bad }),
    })
    assert.equal(refusal.status, 400)
    const { message } = (await refusal.json()) as { message: string }
    await box.fill(bad)
    await page.getByRole('button', { name: 'Apply' }).click()
    const shown = page.locator('#filter-error')
    await shown.waitFor()
    assert.equal(await shown.innerText(), message)
    assert.equal(await box.getAttribute('aria-invalid'), 'true')
    assert.equal(await page.locator('table[aria-label="Runs"]').count(), 0, 'no stale rows under a refused filter')
    await screenshot(page, 'experiment-bad-filter')

    await page.getByRole('button', { name: 'Clear' }).click()
    await eventually(async () => assert.equal((await runNames(page)).length, 4))
    assert.equal(await shown.count(), 0)
    // The browser reports the refused search as a failed request; nothing else may be logged.
    assert.deepEqual(errors.filter((e) => !/status of 400/.test(e)), [])
    assert.ok(errors.length <= 1, errors.join('\n'))
  })

  test('selected runs open side by side: metrics, differing params and overlaid charts', async () => {
    const { page, errors } = await ui.browser.open(`${ui.server.url}/experiments/${sc.churnExperiment}`)
    await page.getByRole('checkbox', { name: 'Select run baseline' }).check()
    await page.getByRole('checkbox', { name: 'Select run deeper' }).check()
    await page.getByRole('button', { name: 'Compare 2 runs' }).click()
    await eventually(async () => assert.match(page.url(), /\/compare\?runs=/))
    const metrics = page.locator('table[aria-label="Metrics of the compared runs"]')
    await metrics.waitFor()
    assert.match(await metrics.innerText(), /auc\s+0\.81\s+0\.9\s*\+0\.09/)
    const params = page.locator('table[aria-label="Parameters of the compared runs"] tr.differs')
    assert.deepEqual(await params.locator('th').allInnerTexts(), ['depth', 'lr', 'optimizer'])
    await eventually(async () => assert.equal(await page.locator('.chart canvas').count(), 2))
    assert.match(await page.locator('.chart-card', { hasText: 'auc' }).innerText(), /baseline[\s\S]*deeper/, 'legend names both runs')
    await screenshot(page, 'compare-runs')
    assert.deepEqual(errors, [])
  })

  test('a new experiment is created from the list and opens with instructions to start a run', async () => {
    const { page, errors } = await ui.browser.open(`${ui.server.url}/experiments`)
    await page.getByRole('button', { name: 'New experiment' }).click()
    await page.getByRole('textbox', { name: 'Name' }).fill('fraud-detection')
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    await page.getByText('No runs in this experiment yet.').waitFor()
    assert.match(await page.locator('.empty').innerText(), /npx railyard run -e fraud-detection -- python train.py/)

    // A taken name: the server's message, in the form.
    await page.goto(`${ui.server.url}/experiments`)
    await page.getByRole('button', { name: 'New experiment' }).click()
    await page.getByRole('textbox', { name: 'Name' }).fill('churn-model')
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    await page.getByRole('alert').waitFor()
    assert.match(await page.getByRole('alert').innerText(), /churn-model/)
    await screenshot(page, 'experiments-list')
    assert.deepEqual(errors.filter((e) => !/status of 400/.test(e)), [])
  })
})
