#!/usr/bin/env node
// Builds the addon with node-gyp at install. It is an accelerator, not a requirement: when no
// compiler or Node headers are at hand the install goes on, and large files are hashed on one
// thread instead (src/index.ts says which is in use).
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
// npm names its bundled node-gyp for lifecycle scripts; run by hand, npx finds one.
const gyp = process.env.npm_config_node_gyp
const [command, args] = gyp ? [process.execPath, [gyp, 'rebuild']] : ['npx', ['--yes', 'node-gyp', 'rebuild']]
const run = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
if (run.status === 0) {
  console.log('@railyard/native-files: built the addon (multi-threaded BLAKE3 of a file, batched lstat)')
} else {
  const why = (run.stderr || run.stdout || String(run.error ?? '')).trim().split('\n').slice(-5).join('\n')
  console.warn(`@railyard/native-files: could not build the addon; large dataset files will be hashed on one thread and listings use Node's lstat.\n${why}`)
}
