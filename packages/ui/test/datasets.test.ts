import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { screenshot } from './browser.js'
import { browserSuite } from './browser-suite.js'
import { eventually } from './eventually.js'
import { seedScenario, type Scenario } from './scenario.js'
import { startUiServer } from './ui-server.js'

describe('datasets in the browser', () => {
  const ui = browserSuite()
  let sc: Scenario
  before(async () => {
    sc = await seedScenario(ui.server)
  })

  test('a dataset lists its versions and the experiments frozen on each, and diffs two versions', async () => {
    const { page, errors } = await ui.browser.open(`${ui.server.url}/datasets`)
    const list = page.getByRole('table', { name: 'Datasets' })
    await list.getByRole('link', { name: 'tweets' }).waitFor()
    assert.match(await list.innerText(), /tweets\s+tweets-store\s+[0-9a-f]{12}\s+4\s+3\.11 KB/)
    await screenshot(page, 'datasets')
    await list.getByRole('link', { name: 'tweets' }).click()

    const versions = page.getByRole('table', { name: 'Dataset versions' })
    await versions.locator('tbody tr').nth(1).waitFor()
    const rows = await versions.locator('tbody tr').allInnerTexts()
    assert.match(rows[0], /latest[\s\S]*4\s+3\.11 KB[\s\S]*alice\s+May tweets/)
    assert.match(rows[1], /3\s+1\.78 KB[\s\S]*alice\s+April tweets/)

    const freezes = page.getByRole('table', { name: 'Experiments frozen on this dataset' })
    await freezes.waitFor()
    const frozen = await freezes.locator('tbody tr').allInnerTexts()
    assert.equal(frozen.length, 2)
    assert.match(frozen.find((r) => r.includes('churn-model'))!, new RegExp(sc.tweetsV1.slice(7, 19)))
    assert.match(frozen.find((r) => r.includes('tweet-sentiment'))!, new RegExp(sc.tweetsV2.slice(7, 19)))
    await eventually(async () => assert.match(await freezes.locator('tr', { hasText: 'churn-model' }).innerText(), /baseline$/), 5000)
    assert.match(await page.getByRole('table', { name: 'Dataset definition' }).innerText(), /tweets-store\s+local · file:\/\//)
    await screenshot(page, 'dataset')

    // Tick both versions (keyboard: space on a focused checkbox) and open the diff.
    await versions.getByRole('checkbox').nth(0).focus()
    await page.keyboard.press('Space')
    await versions.getByRole('checkbox').nth(1).check()
    await page.getByRole('button', { name: 'Diff selected versions' }).click()
    await eventually(async () => assert.match(page.url(), /\/datasets\/tweets\/diff\?from=[0-9a-f]{12}&to=[0-9a-f]{12}$/))
    const added = page.getByRole('table', { name: 'Added files' })
    await added.waitFor()
    assert.match(await added.innerText(), /2024-05\/part-0\.jsonl\s+1\.32 KB/)
    assert.match(await page.getByRole('table', { name: 'Changed files' }).innerText(), /labels\.csv\s+21 B → 27 B/)
    assert.match(await page.locator('.stat-row').innerText(), /Added\s+1[\s\S]*Removed\s+0[\s\S]*Changed\s+1[\s\S]*Unchanged\s+2/i)
    await screenshot(page, 'dataset-diff')

    // A file of the version downloads with its bytes.
    const link = added.getByRole('link', { name: '2024-05/part-0.jsonl' })
    const res = await fetch(new URL((await link.getAttribute('href'))!, ui.server.url))
    assert.equal(await res.text(), '{"text":"love the update"}\n'.repeat(50))
    assert.deepEqual(errors, [])
  })

  test('the empty states say how to start', async () => {
    const fresh = await startUiServer()
    try {
      const { page, errors } = await ui.browser.open(`${fresh.url}/datasets`)
      await page.getByText('No datasets yet.').waitFor()
      assert.match(await page.locator('.empty').innerText(), /npx railyard datasets create/)
      await page.goto(`${fresh.url}/models`)
      await page.getByText('No registered models yet.').waitFor()
      await page.goto(`${fresh.url}/experiments/0`)
      await page.getByText('No runs in this experiment yet.').waitFor()
      await screenshot(page, 'empty-experiment')
      assert.deepEqual(errors, [])
    } finally {
      await fresh.close()
    }
  })
})
