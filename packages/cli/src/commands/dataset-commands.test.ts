// Single-purpose dataset commands (cat, rm) against one server; the main flows are in datasets.test.ts.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { runCli, startServer, type TestServer } from '../testing/cli.js'

let server: TestServer
let lake: string
const cli = (...args: string[]) => runCli(args, { env: { RAILYARD_TRACKING_URI: server.url } })

before(async () => {
  server = await startServer('sqlite')
  lake = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-cli-dataset-commands-'))
  fs.mkdirSync(path.join(lake, 'jan'))
  fs.writeFileSync(path.join(lake, 'jan', 'day1.jsonl'), '{"t":"first"}\n{"t":"second"}\n')
  fs.writeFileSync(path.join(lake, 'labels.csv'), 'id,label\n1,pos\n')
})
after(async () => {
  await server.close()
  fs.rmSync(lake, { recursive: true, force: true })
})

test('datasets cat writes one file of a version, checked; a changed file or a wrong path is exit 1 naming it', async () => {
  assert.equal((await cli('datastores', 'add', 'lake', '--kind', 'local', '--root', lake)).code, 0)
  assert.equal((await cli('datasets', 'create', 'notes', '--datastore', 'lake')).code, 0)
  assert.equal((await cli('datasets', 'snapshot', 'notes', '-q')).code, 0)

  const day = await cli('datasets', 'cat', 'notes', 'latest', 'jan/day1.jsonl')
  assert.equal(day.code, 0, day.stderr)
  assert.equal(day.stdout, '{"t":"first"}\n{"t":"second"}\n')

  const missing = await cli('datasets', 'cat', 'notes', 'latest', 'jan/day2.jsonl')
  assert.equal(missing.code, 1)
  assert.match(missing.stderr, /day2\.jsonl/)
  assert.equal(missing.stdout, '')

  fs.writeFileSync(path.join(lake, 'labels.csv'), 'id,label\n1,neg\n2,pos\n')
  const changed = await cli('datasets', 'cat', 'notes', 'latest', 'labels.csv')
  assert.equal(changed.code, 1)
  assert.match(changed.stderr, /labels\.csv/)
  assert.match(changed.stderr, /RESOURCE_CONFLICT/)
  assert.equal(changed.stdout, '', 'a size that moved is refused before any byte')
})

test('datasets rm removes an unused dataset (then its datastore can go) and refuses a used one', async () => {
  assert.equal((await cli('datastores', 'add', 'scratch', '--kind', 'local', '--root', lake)).code, 0)
  assert.equal((await cli('datasets', 'create', 'typo', '--datastore', 'scratch')).code, 0)
  assert.equal((await cli('datasets', 'snapshot', 'typo', '-q')).code, 0)
  const rm = await cli('datasets', 'rm', 'typo')
  assert.equal(rm.code, 0, rm.stderr)
  assert.match(rm.stdout, /Removed dataset typo/)
  const again = await cli('datasets', 'rm', 'typo')
  assert.equal(again.code, 1)
  assert.match(again.stderr, /Dataset 'typo' does not exist/)
  assert.equal((await cli('datastores', 'rm', 'scratch')).code, 0)

  assert.equal((await cli('datastores', 'add', 'scratch', '--kind', 'local', '--root', lake)).code, 0)
  assert.equal((await cli('datasets', 'create', 'kept', '--datastore', 'scratch')).code, 0)
  assert.equal((await cli('experiments', 'create', 'rm-test')).code, 0)
  assert.equal((await cli('datasets', 'use', 'kept', '--experiment', 'rm-test')).code, 0)
  const refused = await cli('datasets', 'rm', 'kept')
  assert.equal(refused.code, 1)
  assert.match(refused.stderr, /Dataset 'kept' was used: experiment\(s\) 'rm-test' froze it\. Deleting it would lose which files they used, so nothing was deleted/)
  assert.match((await cli('datasets', 'versions', 'kept')).stdout, /^[0-9a-f]{12}\s/m, 'its version is still there')
})
