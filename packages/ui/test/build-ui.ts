import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const UI_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const DIST_INDEX = path.join(UI_DIR, 'dist', 'index.html')
const LOCK = path.join(os.tmpdir(), 'railyard-ui-build.lock')

function newestSource(): number {
  let newest = 0
  const visit = (p: string) => {
    const st = fs.statSync(p)
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) visit(path.join(p, e))
    else newest = Math.max(newest, st.mtimeMs)
  }
  for (const p of ['src', 'index.html', 'vite.config.ts', 'package.json']) visit(path.join(UI_DIR, p))
  return newest
}

function isFresh(): boolean {
  const built = fs.statSync(DIST_INDEX, { throwIfNoEntry: false })
  return built !== undefined && built.mtimeMs >= newestSource()
}

/**
 * Makes sure packages/ui/dist is built from the current sources, so the browser tests never judge
 * a stale build. Builds (about a second) only when a source is newer than the build; test files
 * running in parallel take turns through a lock directory.
 */
export async function ensureUiBuilt(): Promise<void> {
  if (isFresh()) return
  const deadline = Date.now() + 120_000
  for (;;) {
    try {
      fs.mkdirSync(LOCK)
      break
    } catch {
      const held = fs.statSync(LOCK, { throwIfNoEntry: false })
      // A lock left by a killed run.
      if (held && Date.now() - held.mtimeMs > 120_000) fs.rmSync(LOCK, { recursive: true, force: true })
      if (Date.now() > deadline) throw new Error(`waited too long for ${LOCK}`)
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  try {
    if (isFresh()) return
    // The same build `npm ci` and `npm run build` make.
    const res = spawnSync(process.execPath, [path.join(UI_DIR, 'scripts', 'build.mjs')], { cwd: UI_DIR, encoding: 'utf8' })
    if (res.status !== 0 || !isFresh()) throw new Error(`the web UI build failed:\n${res.stdout}\n${res.stderr}`)
  } finally {
    fs.rmSync(LOCK, { recursive: true, force: true })
  }
}
