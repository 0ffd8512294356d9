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
  lake = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-cli-rm-'))
  fs.writeFileSync(path.join(lake, 'a.txt'), 'a')
})
after(async () => {
  await server.close()
  fs.rmSync(lake, { recursive: true, force: true })
})

test('datasets rm removes an unused dataset (then its datastore can go) and refuses a used one', async () => {
  assert.equal((await cli('datastores', 'add', 'lake', '--kind', 'local', '--root', lake)).code, 0)
  assert.equal((await cli('datasets', 'create', 'typo', '--datastore', 'lake')).code, 0)
  assert.equal((await cli('datasets', 'snapshot', 'typo', '-q')).code, 0)
  const rm = await cli('datasets', 'rm', 'typo')
  assert.equal(rm.code, 0, rm.stderr)
  assert.match(rm.stdout, /Removed dataset typo/)
  const again = await cli('datasets', 'rm', 'typo')
  assert.equal(again.code, 1)
  assert.match(again.stderr, /Dataset 'typo' does not exist/)
  assert.equal((await cli('datastores', 'rm', 'lake')).code, 0)

  assert.equal((await cli('datastores', 'add', 'lake', '--kind', 'local', '--root', lake)).code, 0)
  assert.equal((await cli('datasets', 'create', 'kept', '--datastore', 'lake')).code, 0)
  assert.equal((await cli('experiments', 'create', 'rm-test')).code, 0)
  assert.equal((await cli('datasets', 'use', 'kept', '--experiment', 'rm-test')).code, 0)
  const refused = await cli('datasets', 'rm', 'kept')
  assert.equal(refused.code, 1)
  assert.match(refused.stderr, /Dataset 'kept' was used: experiment\(s\) 'rm-test' froze it\. Deleting it would lose which files they used, so nothing was deleted/)
  assert.match((await cli('datasets', 'versions', 'kept')).stdout, /^[0-9a-f]{12}\s/m, 'its version is still there')
})
