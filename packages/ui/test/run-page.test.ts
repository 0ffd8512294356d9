import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { screenshot } from './browser.js'
import { browserSuite } from './browser-suite.js'
import { eventually } from './eventually.js'
import { Seeder } from './seed.js'

describe('the run page in the browser', () => {
  const ui = browserSuite()
  let seed: Seeder
  before(async () => {
    seed = new Seeder(ui.server.url, ui.server.dataDir)
  })

  test('a running run: charts, a live log that shows lines printed after the page opened, then the finish', async () => {
    const experimentId = await seed.experiment('live-training')
    await seed.dataset('reviews', { 'a.txt': 'first', 'b/c.txt': 'second' })
    await seed.snapshot('reviews', 'initial')
    const run = await seed.run({ experimentId, name: 'still-going', params: { lr: '0.01' }, metrics: { loss: [1.0, 0.8] }, finish: false })
    await seed.useDataset(experimentId, run.runId, 'reviews')
    await seed.artifact(run.artifactUri, 'model/MLmodel', 'artifact_path: model\n')
    await seed.artifact(run.artifactUri, 'notes.txt', 'trained on reviews')
    await seed.logLines(run.runId, ['starting training'])

    const { page, errors } = await ui.browser.open(`${ui.server.url}/runs/${run.runId}`)
    await page.getByRole('heading', { name: /still-going/ }).waitFor()
    assert.match(await page.locator('h1').innerText(), /Running/)
    await page.locator('.chart-card', { hasText: 'loss' }).locator('canvas').waitFor()
    const log = page.getByRole('log', { name: 'Run output' })
    await log.getByText('starting training').waitFor()
    await page.locator('.live-dot').waitFor()

    // Printed after the page opened: arrives over the event stream, no reload.
    await seed.logLines(run.runId, ['epoch 3: loss=0.5'])
    await log.getByText('epoch 3: loss=0.5').waitFor({ timeout: 5000 })
    await seed.logLines(run.runId, ['warning: slow disk'], 'stderr')
    await log.locator('.log-line.stderr', { hasText: 'warning: slow disk' }).waitFor({ timeout: 5000 })

    // A new metric point redraws the chart while the run is live.
    await seed.mlflow('POST', '/runs/log-metric', { run_id: run.runId, key: 'loss', value: 0.5, step: 2, timestamp: Date.now() })
    await eventually(async () => assert.equal(await page.locator('.chart-card', { hasText: 'loss' }).locator('.chart-latest').innerText(), '0.5'))
    await screenshot(page, 'run-live')

    await seed.mlflow('POST', '/runs/update', { run_id: run.runId, status: 'FINISHED', end_time: Date.now() })
    await eventually(async () => assert.match(await page.locator('h1').innerText(), /Finished/))
    await page.getByText('Run finished. 3 lines.').waitFor()
    assert.deepEqual(errors, [])
  })

  test('artifacts download, dataset inputs link to the exact version, params and source show', async () => {
    const experimentId = await seed.experiment('artifacts')
    await seed.dataset('images', { 'cat.jpg': 'meow', 'dog.jpg': 'woof' })
    const version = await seed.snapshot('images', 'pets')
    const run = await seed.run({ experimentId, name: 'with-files', params: { batch_size: '32' }, metrics: { acc: [0.5, 0.7] }, commit: 'abcdef1234567890abcdef1234567890abcdef12' })
    await seed.useDataset(experimentId, run.runId, 'images')
    await seed.artifact(run.artifactUri, 'model/MLmodel', 'artifact_path: model\n')
    await seed.artifact(run.artifactUri, 'model/weights.bin', 'w'.repeat(2048))
    await seed.artifact(run.artifactUri, 'report.md', '# Report\n')

    const { page, errors } = await ui.browser.open(`${ui.server.url}/runs/${run.runId}`)
    await page.getByRole('heading', { name: /with-files/ }).waitFor()
    assert.match(await page.getByRole('table', { name: 'Parameters' }).innerText(), /batch_size\s+32/)
    assert.match(await page.getByRole('table', { name: 'Source code' }).innerText(), /abcdef1234567890abcdef1234567890abcdef12/)
    await page.getByText('No output was recorded for this run.').waitFor()

    const tree = page.getByRole('list', { name: 'Artifacts' })
    const folder = tree.getByRole('button', { name: 'model/' })
    assert.equal(await folder.getAttribute('aria-expanded'), 'false')
    await folder.focus()
    await page.keyboard.press('Enter')
    assert.equal(await folder.getAttribute('aria-expanded'), 'true')
    const weights = tree.getByRole('link', { name: 'weights.bin' })
    await weights.waitFor()
    assert.match(await tree.innerText(), /weights\.bin\s+2\.00 KB/)
    const res = await fetch(new URL((await weights.getAttribute('href'))!, ui.server.url))
    assert.equal(await res.text(), 'w'.repeat(2048))
    const report = await fetch(new URL((await tree.getByRole('link', { name: 'report.md' }).getAttribute('href'))!, ui.server.url))
    assert.equal(await report.text(), '# Report\n')
    await screenshot(page, 'run-finished')

    const input = page.getByRole('table', { name: 'Dataset inputs' }).getByRole('link', { name: /images @/ })
    assert.equal(await input.getAttribute('href'), `/datasets/images/versions/${encodeURIComponent(version.id)}`)
    await input.click()
    await page.getByRole('table', { name: 'Files' }).getByRole('link', { name: 'dog.jpg' }).waitFor()
    assert.match(await page.locator('h1').innerText(), new RegExp(`images\\s*@${version.short_id}`))
    assert.deepEqual(errors, [])
  })

  test('a metric logged without steps is charted along time, every point drawn; one with steps stays along steps', async () => {
    const experimentId = await seed.experiment('no-steps')
    const run = await seed.run({ experimentId, name: 'batch-losses', metrics: { val_loss: [0.9, 0.7, 0.6] } })
    const start = Date.now() - 10_000
    // MLflow's log_metric and the SDK's logMetric without a step: every point at step 0.
    const metrics = Array.from({ length: 20 }, (_, i) => ({ key: 'batch_loss', value: 1 / (i + 1), step: 0, timestamp: start + i * 250 }))
    await seed.mlflow('POST', '/runs/log-batch', { run_id: run.runId, metrics })

    const { page, errors } = await ui.browser.open(`${ui.server.url}/runs/${run.runId}`)
    const unstepped = page.locator('.chart-card', { hasText: 'batch_loss' }).getByRole('img')
    await unstepped.waitFor()
    assert.equal(await unstepped.getAttribute('aria-label'), 'Line chart of batch_loss by seconds since first point, 20 points')
    const stepped = page.locator('.chart-card', { hasText: 'val_loss' }).getByRole('img')
    assert.equal(await stepped.getAttribute('aria-label'), 'Line chart of val_loss by step, 3 points')
    await screenshot(page, 'run-unstepped-metric')
    assert.deepEqual(errors, [])
  })

  test('coloured output (ANSI escapes) shows as its text, without stray escape codes', async () => {
    const experimentId = await seed.experiment('coloured-logs')
    const run = await seed.run({ experimentId, name: 'rich-logging' })
    await seed.logLines(run.runId, ['\x1b[32mINFO\x1b[0m loading data', '\x1b[2K 50%|█████     | 5/10'])
    await seed.logLines(run.runId, ['\x1b[1;31mERROR\x1b[0m out of memory'], 'stderr')

    const { page, errors } = await ui.browser.open(`${ui.server.url}/runs/${run.runId}`)
    const log = page.getByRole('log', { name: 'Run output' })
    await log.getByText('out of memory').waitFor()
    const lines = await log.locator('.log-line').allInnerTexts()
    assert.deepEqual(
      lines.map((l) => l.replace(/^\d+\s*/, '')),
      ['INFO loading data', '50%|█████     | 5/10', 'ERROR out of memory'],
    )
    assert.doesNotMatch(await log.innerText(), /\x1b|\[\d+(;\d+)*m|\[2K/)
    assert.deepEqual(errors, [])
  })

  test("an unknown run shows the server's message", async () => {
    const { page, errors } = await ui.browser.open(`${ui.server.url}/runs/0123456789abcdef0123456789abcdef`)
    const alert = page.getByRole('alert')
    await alert.waitFor()
    assert.match(await alert.innerText(), /Could not load the run[\s\S]*0123456789abcdef0123456789abcdef/)
    assert.match(await alert.innerText(), /RESOURCE_DOES_NOT_EXIST/)
    assert.equal(await alert.getByRole('button', { name: 'Try again' }).count(), 0, 'retrying a missing run cannot help')
    assert.deepEqual(errors.filter((e) => !/status of 404/.test(e)), [])
  })
})
