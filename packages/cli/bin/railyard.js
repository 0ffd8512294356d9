#!/usr/bin/env node
// Runs the TypeScript CLI with no build step between a clone and use. Going through tsx costs about
// a second per start (its loader hooks see every one of typebox's ~700 modules), so the first start
// bundles our own sources (cli, sdk, api) with esbuild, which tsx brings along, into a cache next
// to this package, and later starts load that bundle directly; it is rebuilt whenever one of its
// source files changes. Third-party packages stay external. Anything going wrong on that path
// (no esbuild, a read-only install, a bundle that fails to load) falls back to tsx.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const entry = path.join(packageDir, 'src', 'main.ts')
const cacheDir = path.join(packageDir, 'node_modules', '.cache', 'railyard-cli')
const bundle = path.join(cacheDir, 'main.mjs')
const manifest = path.join(cacheDir, 'main.inputs.json')
/** Workspace packages whose TypeScript sources go into the bundle; everything else is imported as installed. */
const BUNDLED = /^@railyard\/(sdk|api|serving|content-id)(\/|$)/

if (process.env.RAILYARD_CLI_NO_BUNDLE || !(await loadBundle())) await loadWithTsx()

async function loadBundle() {
  let fresh
  try {
    fresh = isFresh() || (await build())
  } catch {
    return false
  }
  if (!fresh) return false
  try {
    await import(pathToFileURL(bundle).href)
    return true
  } catch (err) {
    // Module initialisation failed before the program ran (main.ts catches its own errors).
    if (process.env.RAILYARD_DEBUG) console.error('railyard: bundled CLI failed to load, using tsx:', err)
    return false
  }
}

function isFresh() {
  if (!fs.existsSync(bundle) || !fs.existsSync(manifest)) return false
  const inputs = JSON.parse(fs.readFileSync(manifest, 'utf8'))
  for (const [file, stamp] of Object.entries(inputs)) {
    const st = fs.statSync(file, { throwIfNoEntry: false })
    if (!st || `${st.mtimeMs}:${st.size}` !== stamp) return false
  }
  return true
}

async function build() {
  const { build: esbuild } = await import('esbuild')
  fs.mkdirSync(cacheDir, { recursive: true })
  const tmp = `${bundle}.${process.pid}.tmp`
  const result = await esbuild({
    entryPoints: [entry],
    outfile: tmp,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    metafile: true,
    logLevel: 'silent',
    plugins: [
      {
        name: 'external-packages',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) => (BUNDLED.test(args.path) ? undefined : { path: args.path, external: true }))
        },
      },
      {
        // Code that finds files next to itself (`createRequire(import.meta.url)('../package.json')`)
        // must keep seeing its own source location, not the bundle's.
        name: 'source-import-meta',
        setup(b) {
          b.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
            const source = fs.readFileSync(args.path, 'utf8')
            if (!source.includes('import.meta')) return undefined
            const url = pathToFileURL(args.path).href
            const contents = source
              .replace(/\bimport\.meta\.url\b/g, JSON.stringify(url))
              .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(args.path))
              .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(path.dirname(args.path)))
            return { contents, loader: 'ts' }
          })
        },
      },
    ],
  })
  const inputs = {}
  for (const input of Object.keys(result.metafile.inputs)) {
    const file = path.resolve(input)
    const st = fs.statSync(file)
    inputs[file] = `${st.mtimeMs}:${st.size}`
  }
  // Renames keep concurrent starts from ever loading a half-written bundle.
  fs.renameSync(tmp, bundle)
  const tmpManifest = `${manifest}.${process.pid}.tmp`
  fs.writeFileSync(tmpManifest, JSON.stringify(inputs))
  fs.renameSync(tmpManifest, manifest)
  return true
}

async function loadWithTsx() {
  const { register } = await import('tsx/esm/api')
  register()
  globalThis.__railyardTsx = true
  await import(pathToFileURL(entry).href)
}
