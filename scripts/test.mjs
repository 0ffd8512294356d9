#!/usr/bin/env node
// The test command (`npm test`): starts a real PostgreSQL unless TEST_POSTGRES_URL names one,
// then runs every *.test.ts with node's test runner against both SQLite and PostgreSQL.
// Extra arguments are test files or folders to run instead of all of them.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startPostgres } from './postgres.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

function findTests(dir, out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) findTests(full, out)
    else if (entry.name.endsWith('.test.ts')) out.push(full)
  }
  return out
}

const args = process.argv.slice(2)
const targets = args.length ? args.map((a) => path.resolve(a)) : [path.join(root, 'packages'), path.join(root, 'examples')]
const files = targets
  .filter((t) => fs.existsSync(t))
  .flatMap((t) => (fs.statSync(t).isDirectory() ? findTests(t) : [t]))
  .sort()
if (files.length === 0) {
  console.error('No test files found')
  process.exit(1)
}

let pg
let url = process.env.TEST_POSTGRES_URL
if (!url) {
  pg = await startPostgres()
  url = pg.url
  console.log(`# started embedded PostgreSQL at ${url.replace(/:[^:@/]+@/, ':***@')}`)
} else {
  console.log('# using PostgreSQL from TEST_POSTGRES_URL')
}

const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...files],
  { stdio: 'inherit', env: { ...process.env, TEST_POSTGRES_URL: url, RAILYARD_TEST: '1' }, cwd: root },
)
const stop = async () => pg && (await pg.stop())
process.on('SIGINT', () => child.kill('SIGINT'))
process.on('SIGTERM', () => child.kill('SIGTERM'))
child.on('exit', async (code, signal) => {
  await stop()
  process.exit(code ?? (signal ? 1 : 0))
})
