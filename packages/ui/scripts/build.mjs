#!/usr/bin/env node
// Builds the web UI into packages/ui/dist; the root package's `prepare` and `build` scripts run it,
// so `npm ci` on a fresh clone leaves a server ready to show the UI. Without the build tools
// (an install that omitted devDependencies) it says so and leaves the install alone: the server
// then answers the UI's pages with a note on how to build it.
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
let vite
try {
  vite = await import('vite')
} catch {
  console.warn('railyard: the web UI was not built (vite is not installed, were devDependencies omitted?)')
  process.exit(0)
}
const started = Date.now()
await vite.build({ root, logLevel: 'warn' })
console.log(`railyard: web UI built into ${path.relative(process.cwd(), path.join(root, 'dist')) || 'dist'} in ${((Date.now() - started) / 1000).toFixed(1)}s`)
