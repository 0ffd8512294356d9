import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { screenshot } from './browser.js'
import { browserSuite } from './browser-suite.js'
import { eventually } from './eventually.js'
import { Seeder } from './seed.js'
import { CURVE_METRICS, FINAL_METRICS, seedWideExperiment } from './wide-experiment.js'

describe('metrics with a single value in the browser', () => {
  const ui = browserSuite()
  let seed: Seeder
  let wide: { experimentId: string; runIds: string[] }
  before(async () => {
    seed = new Seeder(ui.server.url, ui.server.dataDir)
    wide = await seedWideExperiment(seed, 'tweets-mood', 3)
  })

  test('the run page charts the learning curve and lists the final scores as values, not one-dot charts', async () => {
    const { page, errors } = await ui.browser.open(`${ui.server.url}/runs/${wide.runIds[0]}`)
    const summary = page.locator('.summary-metrics')
    await summary.waitFor()
    const tiles = await summary.locator('dl > div').evaluateAll((divs) => divs.map((d) => [d.querySelector('dt')!.textContent, d.querySelector('dd')!.textContent]))
    assert.deepEqual(tiles, [
      ['train_seconds', '0.5'],
      ['val_macro_f1', '0.51'],
      ['val_recall_negative', '0.52'],
      ['val_recall_neutral', '0.53'],
      ['val_recall_positive', '0.54'],
      ['vocabulary_size', '20,000'],
    ])
    assert.match(await summary.innerText(), /These metrics have a single value, so they are not charted\./)
    await eventually(async () => assert.equal(await page.locator('.chart-card canvas').count(), CURVE_METRICS.length))
    const captions = await page.locator('.chart-card figcaption > span:first-child').allInnerTexts()
    assert.deepEqual(captions, [...CURVE_METRICS].sort())
    assert.equal(await page.getByRole('img', { name: 'Line chart of val_loss by step, 5 points' }).count(), 1)
    const values = page.getByRole('table', { name: 'Latest metric values' })
    assert.match(await values.innerText(), /val_macro_f1\s+0\.51\b/)
    assert.match(await values.innerText(), /vocabulary_size\s+20,000\b/)
    await screenshot(page, 'run-single-values')
    assert.deepEqual(errors, [])
  })

  test('a run whose every metric has one value says so; a second point while it runs brings the chart', async () => {
    const experimentId = await seed.experiment('one-shot')
    const run = await seed.run({ experimentId, name: 'evaluate-only', metrics: { accuracy: [0.93], f1: [0.9] }, finish: false })
    const { page, errors } = await ui.browser.open(`${ui.server.url}/runs/${run.runId}`)
    const summary = page.locator('.summary-metrics')
    await summary.waitFor()
    assert.match(await summary.innerText(), /accuracy\s+0\.93\s+f1\s+0\.9\s+These metrics have a single value so far, so they are not charted\./)
    assert.equal(await page.locator('.chart-card').count(), 0)
    assert.match(await page.getByRole('table', { name: 'Latest metric values' }).innerText(), /accuracy\s+0\.93[\s\S]*f1\s+0\.9\b/)

    await seed.mlflow('POST', '/runs/log-metric', { run_id: run.runId, key: 'accuracy', value: 0.95, step: 1, timestamp: Date.now() })
    const chart = page.getByRole('img', { name: 'Line chart of accuracy by step, 2 points' })
    await chart.waitFor({ timeout: 10_000 })
    await eventually(async () => assert.deepEqual(await summary.locator('dt').allInnerTexts(), ['f1']))
    assert.match(await summary.innerText(), /This metric has a single value so far, so it is not charted\./)
    assert.deepEqual(errors, [])
  })

  test('the compare page overlays the curves and shows single values as bars per run', async () => {
    const [a, b, c] = wide.runIds
    const { page, errors } = await ui.browser.open(`${ui.server.url}/experiments/${wide.experimentId}/compare?runs=${a},${b},${c}`)
    const bars = page.locator('section', { has: page.getByRole('heading', { name: 'Single-value metrics' }) })
    await bars.waitFor()
    assert.deepEqual(await bars.locator('figcaption').allInnerTexts(), FINAL_METRICS)
    const f1 = page.getByRole('table', { name: 'val_macro_f1 by run' })
    const rows = await f1.locator('tr').evaluateAll((trs) => trs.map((tr) => [tr.querySelector('th')!.textContent, tr.querySelector('td.num')!.textContent]))
    assert.deepEqual(rows, [
      ['tweets-naive-bayes-alpha-0.5', '0.51'],
      ['tweets-naive-bayes-alpha-1.5', '0.54'],
      ['tweets-naive-bayes-alpha-2.5', '0.57'],
    ])
    // Bars share a scale from zero: the largest fills its track, the others in proportion.
    const widths = await f1.locator('.bar').evaluateAll((els) => els.map((el) => (el as HTMLElement).getBoundingClientRect().width))
    const track = await f1.locator('.bar-track').first().evaluate((el) => el.getBoundingClientRect().width)
    assert.ok(Math.abs(widths[2] - track) < 1, `${widths} in ${track}`)
    assert.ok(Math.abs(widths[0] / widths[2] - 0.51 / 0.57) < 0.02, `${widths}`)

    const lines = page.locator('section', { has: page.getByRole('heading', { name: 'Metric history' }) })
    await eventually(async () => assert.equal(await lines.locator('.chart canvas').count(), CURVE_METRICS.length))
    assert.deepEqual(await lines.locator('figcaption').allInnerTexts(), [...CURVE_METRICS].sort())
    await screenshot(page, 'compare-single-values')
    assert.deepEqual(errors, [])
  })
})
