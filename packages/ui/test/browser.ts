import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

/** Debian's chromium package (CI installs it in .ci/run); Playwright's own browser download is not used. */
export const CHROMIUM = process.env.RAILYARD_CHROMIUM ?? '/usr/bin/chromium'

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** A laptop screen. */
export const VIEWPORT = { width: 1440, height: 900 }

export interface Browser {
  context: BrowserContext
  /** A new tab whose console errors and uncaught exceptions are collected in `errors`. */
  open(url: string): Promise<{ page: Page; errors: string[] }>
  close(): Promise<void>
}

/**
 * Chromium with a fresh profile. A missing browser fails the test with how to install it: the UI
 * tests are part of the suite, not optional.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `The web UI tests need Chromium at ${CHROMIUM}, and it is not there. Install Debian's package ` +
        '(apt-get install -y --no-install-recommends chromium), or set RAILYARD_CHROMIUM to a Chromium binary.',
    )
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-chromium-'))
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, viewport: VIEWPORT })
  return {
    context,
    async open(url) {
      const page = await context.newPage()
      const errors: string[] = []
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(`console: ${msg.text()} (${msg.location().url})`)
      })
      page.on('pageerror', (err) => errors.push(`page error: ${err.message}`))
      await page.goto(url)
      return { page, errors }
    },
    async close() {
      await context.close()
      fs.rmSync(profile, { recursive: true, force: true })
    },
  }
}

/** Saves a full-page screenshot to $RAILYARD_UI_SCREENSHOTS/<name>.png when that variable names a folder. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.RAILYARD_UI_SCREENSHOTS
  if (!dir) return
  fs.mkdirSync(dir, { recursive: true })
  // From the top, so the sticky header sits where a person sees it.
  await page.evaluate(() => window.scrollTo(0, 0))
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true })
}
