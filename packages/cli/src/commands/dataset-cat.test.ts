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
  lake = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-cli-cat-'))
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
