import { after, before } from 'node:test'
import { launchBrowser, type Browser } from './browser.js'
import { startUiServer, type UiServer } from './ui-server.js'

/** What a browser test file drives; both are set by the time its tests run. */
export interface BrowserSuite {
  browser: Browser
  server: UiServer
}

/**
 * Chromium and the whole server for the tests of the enclosing describe(): registers the hooks
 * that start both before the tests and close both after them.
 */
export function browserSuite(): BrowserSuite {
  const suite = {} as BrowserSuite
  before(async () => {
    // First, so a missing browser fails the file at once.
    suite.browser = await launchBrowser()
    suite.server = await startUiServer()
  })
  after(async () => {
    await suite.browser?.close()
    await suite.server?.close()
  })
  return suite
}
