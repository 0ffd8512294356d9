import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { createTestApp, type TestApp } from '@railyard/server/testing/test-app.js'
import { launchBrowser, screenshot, type Browser } from './browser.js'
import { ensureUiBuilt } from './build-ui.js'

describe('sign-in on a server with --auth', () => {
  let browser: Browser
  let app: TestApp
  let url: string
  let token: string
  before(async () => {
    browser = await launchBrowser()
    await ensureUiBuilt()
    app = await createTestApp('sqlite', { auth: true })
    await app.app.listen({ host: '127.0.0.1', port: 0 })
    url = `http://127.0.0.1:${(app.app.server.address() as AddressInfo).port}`
    token = (await app.services.tokens.create({ user: 'rita', role: 'read' }, 'test')).value
    await app.services.experiments.create({ name: 'behind-a-token' })
  })
  after(async () => {
    await browser?.close()
    await app?.dispose()
  })

  test('a 401 shows the form; a wrong token is refused; the right one shows the pages until sign-out', async () => {
    const { page, errors } = await browser.open(`${url}/experiments`)
    const form = page.getByRole('form', { name: 'Sign in' })
    await form.getByText('This server requires a token.').waitFor()
    await screenshot(page, 'sign-in')

    await form.getByLabel('API token').fill('ryt_wrong')
    await form.getByRole('button', { name: 'Sign in' }).click()
    await page.getByText('The server refused your token.').waitFor()

    await page.getByLabel('API token').fill(token)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('link', { name: 'behind-a-token' }).waitFor()
    const cookie = async () => (await browser.context.cookies(url)).find((c) => c.name === 'railyard_token')
    const set = await cookie()
    assert.equal(decodeURIComponent(set!.value), token)
    assert.equal(set!.sameSite, 'Strict')
    assert.equal(set!.expires, -1, 'a session cookie')
    assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'one copy of the token, the cookie')
    // Downloads and the live log cannot send headers: the cookie carries the token on GETs.
    assert.equal(await page.evaluate(async () => (await fetch('/api/2.0/mlflow/experiments/search')).status), 200)

    // Another tab (or this one closed and opened again) is signed in too, with Sign out to offer.
    const { page: other } = await browser.open(`${url}/experiments`)
    await other.getByRole('link', { name: 'behind-a-token' }).waitFor()
    await other.getByRole('button', { name: 'Sign out' }).waitFor()

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByText('This server requires a token.').waitFor()
    assert.equal(await cookie(), undefined)
    assert.equal(await page.evaluate(async () => (await fetch('/api/2.0/mlflow/experiments/search')).status), 401)
    // Signing out in one tab signs out the others.
    await other.reload()
    await other.getByText('This server requires a token.').waitFor()
    assert.equal(await other.getByRole('button', { name: 'Sign out' }).count(), 0)
    // The browser reports each refused call; nothing else may go wrong.
    assert.deepEqual(errors.filter((e) => !/status of 401/.test(e)), [])
  })
})
