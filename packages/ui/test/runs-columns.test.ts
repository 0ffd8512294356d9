import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Page } from 'playwright-core'
import { screenshot } from './browser.js'
import { browserSuite } from './browser-suite.js'
import { eventually } from './eventually.js'
import { Seeder } from './seed.js'
import { CURVE_METRICS, FINAL_METRICS, seedWideExperiment } from './wide-experiment.js'

const ALL_METRICS = [...CURVE_METRICS, ...FINAL_METRICS].sort()

/** The metric, param and tag columns of the runs table, as `group:key`, in order. */
async function columns(page: Page): Promise<string[]> {
  return page.locator('table[aria-label="Runs"] thead tr:nth-child(2) th').evaluateAll((ths) =>
    ths.slice(6).map((th) => th.textContent!.replace(/[↕▲▼]/g, '').trim()),
  )
}

async function groupColumns(page: Page, group: 'Metrics' | 'Parameters' | 'Tags'): Promise<string[]> {
  return page.locator('table[aria-label="Runs"]').evaluate((table, group) => {
    const groups = [...table.querySelectorAll('thead tr.group-row th')]
    let first = 0
    for (const th of groups) {
      const span = (th as HTMLTableCellElement).colSpan
      if (th.textContent === group) {
        const heads = [...table.querySelectorAll('thead tr:nth-child(2) th')].slice(first, first + span)
        return heads.map((h) => h.textContent!.replace(/[↕▲▼]/g, '').trim())
      }
      first += span
    }
    return []
  }, group)
}

describe('choosing the runs table columns in the browser', () => {
  const ui = browserSuite()
  let wide: { experimentId: string; runIds: string[] }
  let other: { experimentId: string; runIds: string[] }
  before(async () => {
    const seed = new Seeder(ui.server.url, ui.server.dataDir)
    wide = await seedWideExperiment(seed, 'tweets-mood', 8)
    other = await seedWideExperiment(seed, 'tweets-mood-covid', 2)
  })

  test('by default every metric, six params (those that differ first) and the tags show', async () => {
    const { page, errors } = await ui.browser.open(`${ui.server.url}/experiments/${wide.experimentId}`)
    const chooser = page.getByRole('button', { name: /^Columns/ })
    await chooser.waitFor()
    assert.equal(await chooser.innerText(), 'Columns 20/28')
    assert.equal(await chooser.getAttribute('aria-label'), 'Columns: 20 of 28 shown')
    assert.deepEqual(await groupColumns(page, 'Metrics'), ALL_METRICS)
    assert.deepEqual(await groupColumns(page, 'Parameters'), ['alpha', 'bigrams', 'binary', 'limit', 'min_count', 'seed'])
    assert.deepEqual(await groupColumns(page, 'Tags'), ['purpose', 'team'])
    assert.deepEqual(errors, [])
  })

  test('from the keyboard: search, hide the matching metrics, show a param; the choice survives a reload and stays with its experiment', async () => {
    const url = `${ui.server.url}/experiments/${wide.experimentId}`
    const { page, errors } = await ui.browser.open(url)
    const chooser = page.getByRole('button', { name: /^Columns/ })
    await chooser.focus()
    await page.keyboard.press('Enter')
    assert.equal(await chooser.getAttribute('aria-expanded'), 'true')
    const panel = page.getByRole('group', { name: 'Choose columns' })
    const search = panel.getByRole('searchbox', { name: 'Search columns' })
    // The search box takes the focus, so typing filters at once.
    await page.keyboard.type('RECALL')
    assert.equal(await search.inputValue(), 'RECALL')
    assert.deepEqual(await panel.getByRole('checkbox').evaluateAll((els) => els.map((e) => e.closest('label')!.textContent)), [
      'val_macro_recall',
      'val_recall_negative',
      'val_recall_neutral',
      'val_recall_positive',
    ])
    assert.equal(await panel.getByRole('group', { name: /^Parameters/ }).count(), 0, 'a group without matches is left out')
    await screenshot(page, 'runs-columns-search')
    await panel.getByRole('button', { name: 'Hide all matching metrics' }).click()
    await eventually(async () => assert.deepEqual(await groupColumns(page, 'Metrics'), ALL_METRICS.filter((k) => !k.includes('recall'))))

    await search.fill('zzz')
    await panel.getByText('No column matches “zzz”.').waitFor()
    await search.fill('')
    const trainRows = panel.getByRole('group', { name: /^Parameters/ }).getByRole('checkbox', { name: 'train_rows' })
    assert.equal(await trainRows.isChecked(), false)
    await trainRows.focus()
    await page.keyboard.press('Space')
    await eventually(async () => assert.deepEqual(await groupColumns(page, 'Parameters'), ['alpha', 'bigrams', 'binary', 'limit', 'min_count', 'seed', 'train_rows']))
    assert.match(await panel.getByRole('group', { name: /^Parameters/ }).locator('legend').innerText(), /7 of 14 shown/)
    await page.keyboard.press('Escape')
    assert.equal(await panel.count(), 0)
    assert.equal(await chooser.getAttribute('aria-expanded'), 'false')
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Columns: 17 of 28 shown', 'focus is back on the button')
    const chosen = await columns(page)

    const again = await ui.browser.open(url)
    await again.page.getByRole('button', { name: 'Columns: 17 of 28 shown' }).waitFor()
    assert.deepEqual(await columns(again.page), chosen)
    // Another experiment keeps its own (default) columns.
    const elsewhere = await ui.browser.open(`${ui.server.url}/experiments/${other.experimentId}`)
    await elsewhere.page.getByRole('button', { name: 'Columns: 20 of 28 shown' }).waitFor()

    // Show all / Hide all per group, then Reset.
    await again.page.getByRole('button', { name: /^Columns/ }).click()
    const panel2 = again.page.getByRole('group', { name: 'Choose columns' })
    await panel2.getByRole('button', { name: 'Hide all tags' }).click()
    await panel2.getByRole('button', { name: 'Show all parameters' }).click()
    await eventually(async () => assert.equal((await groupColumns(again.page, 'Parameters')).length, 14))
    assert.deepEqual(await groupColumns(again.page, 'Tags'), [])
    assert.equal(await again.page.locator('table[aria-label="Runs"] th.group', { hasText: 'Tags' }).count(), 0)
    await panel2.getByRole('button', { name: 'Reset' }).click()
    await again.page.getByRole('button', { name: 'Columns: 20 of 28 shown' }).waitFor()
    assert.equal(await again.page.evaluate((id) => localStorage.getItem(`railyard.runs-columns.${id}`), wide.experimentId), null)
    // A click outside closes the panel.
    await again.page.locator('h1').click()
    assert.equal(await panel2.count(), 0)
    assert.deepEqual([...errors, ...again.errors, ...elsewhere.errors], [])
  })

  test('sorting works on chosen columns, and a sort by a hidden column says so', async () => {
    const { page, errors } = await ui.browser.open(`${ui.server.url}/experiments/${wide.experimentId}`)
    const table = page.locator('table[aria-label="Runs"]')
    await table.locator('th', { hasText: /^alpha/ }).getByRole('button').click()
    await eventually(async () => assert.equal(new URL(page.url()).searchParams.get('order'), 'params.`alpha` ASC'))
    await eventually(async () => assert.match(await table.locator('tbody tr').first().innerText(), /alpha-0\.5/))
    await page.getByRole('button', { name: /^Columns/ }).click()
    await page.getByRole('group', { name: 'Choose columns' }).getByRole('checkbox', { name: 'alpha' }).uncheck()
    await page.keyboard.press('Escape')
    await page.getByText('Sorted by alpha, a hidden column.').waitFor()
    assert.match(await table.locator('tbody tr').first().innerText(), /alpha-0\.5/)
    await page.getByRole('button', { name: /^Columns/ }).click()
    await page.getByRole('group', { name: 'Choose columns' }).getByRole('button', { name: 'Reset' }).click()
    assert.deepEqual(errors, [])
  })

  test('the header rows and the run column stay in view while the table scrolls both ways', async () => {
    const { page, errors } = await ui.browser.open(`${ui.server.url}/experiments/${wide.experimentId}`)
    await page.setViewportSize({ width: 900, height: 560 })
    const wrap = page.locator('.runs-table-wrap')
    await page.getByRole('button', { name: /^Columns/ }).waitFor()
    await screenshot(page, 'runs-columns-900')
    const box = async (locator: ReturnType<Page['locator']>) => (await locator.boundingBox())!
    const frame = await box(wrap)
    const firstName = page.locator('table[aria-label="Runs"] tbody .run-name-cell').first()
    const runHeader = page.locator('table[aria-label="Runs"] thead th', { hasText: /^Run/ })
    const paramsLabel = page.locator('.group-params .group-label')
    assert.ok(await wrap.evaluate((el) => el.scrollWidth > el.clientWidth + 200 && el.scrollHeight > el.clientHeight), 'the table scrolls both ways at this size')

    await wrap.evaluate((el) => el.scrollTo(el.scrollWidth, el.scrollHeight))
    await eventually(async () => assert.ok(await wrap.evaluate((el) => el.scrollLeft > 0 && el.scrollTop > 0)))
    const header = await box(runHeader)
    assert.ok(Math.abs(header.y - frame.y) < 40, `run header at y ${header.y}, table top ${frame.y}`)
    assert.ok(Math.abs(header.x - frame.x) < 40, `run header at x ${header.x}, table left ${frame.x}`)
    const lastName = await box(page.locator('table[aria-label="Runs"] tbody .run-name-cell').last())
    assert.ok(Math.abs(lastName.x - header.x) < 1, 'the run column stays at the left')
    // The Parameters label sits right of the run column, inside the visible part of the table.
    const label = await box(paramsLabel)
    assert.ok(label.x >= header.x + header.width && label.x + label.width <= frame.x + frame.width, `Parameters label at x ${label.x}`)
    assert.ok(label.y >= frame.y && label.y < header.y, 'the group row is above the column names')
    assert.ok((await box(firstName)).y < header.y, 'the first row scrolled under the header')
    await screenshot(page, 'runs-columns-scrolled')
    assert.deepEqual(errors, [])
  })
})
