import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { runCli, startCli } from '../testing/cli.js'

describe('railyard tokens and server --auth', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-cli-tokens-'))
  const storeUri = `sqlite:///${path.join(home, 'railyard.db').replace(/^\//, '')}`
  let server: ReturnType<typeof startCli>
  let url: string
  let adminToken: string
  const cli = (args: string[], env: Record<string, string> = {}) => runCli(['--tracking-uri', url, ...args], { env })

  before(async () => {
    // The first admin token, made on the database before any server runs.
    const boot = await runCli(['tokens', 'create', '--user', 'alice', '--role', 'admin', '--backend-store-uri', storeUri])
    assert.equal(boot.code, 0, boot.stderr)
    assert.match(boot.stderr, /Created token [0-9a-f]{32} for alice \(admin\)\. It is shown only this once/)
    assert.match(boot.stderr, /There was no database at \S+railyard\.db, so a new one was made\. Start the server with the same --backend-store-uri/)
    adminToken = boot.stdout.trim()
    assert.match(adminToken, /^ryt_[A-Za-z0-9_-]{43}$/)

    server = startCli(['server', '--auth', '--port', '0', '--backend-store-uri', storeUri, '--artifacts-destination', path.join(home, 'artifacts')])
    await server.waitFor(/listening at http:\/\/\S+/)
    url = /listening at (http:\/\/\S+)/.exec(server.out.stdout)![1]
    await server.waitFor(/Authentication is on: API requests need a token/)
  })
  after(async () => {
    server.child.kill('SIGTERM')
    await server.done
    fs.rmSync(home, { recursive: true, force: true })
  })

  test('without a token: exit 1 and what to set', async () => {
    const res = await cli(['experiments', 'ls'])
    assert.equal(res.code, 1)
    assert.match(res.stderr, /\(UNAUTHENTICATED\)\nThis server requires a token: set MLFLOW_TRACKING_TOKEN/)
  })

  test('an admin creates, lists and revokes tokens; values are printed once and never listed', async () => {
    const admin = { MLFLOW_TRACKING_TOKEN: adminToken }
    const created = await cli(['tokens', 'create', '--user', 'ci', '--role', 'read', '--expires', '30d', '--description', 'CI', '--json'], admin)
    assert.equal(created.code, 0, created.stderr)
    const { token, value } = JSON.parse(created.stdout)
    assert.equal(token.created_by, 'alice')
    assert.ok(token.expires_at > Date.now() + 29 * 86_400_000)

    const listed = await cli(['tokens', 'ls', '--json'], admin)
    assert.equal(listed.code, 0, listed.stderr)
    assert.deepEqual(JSON.parse(listed.stdout).map((t: { user: string; role: string }) => `${t.user}:${t.role}`), ['alice:admin', 'ci:read'])
    assert.ok(!listed.stdout.includes(value) && !listed.stdout.includes(adminToken))
    const table = await cli(['tokens', 'ls'], admin)
    assert.match(table.stdout, /ID\s+USER\s+ROLE/)
    assert.ok(!table.stdout.includes(value))

    // The read token reads, by Bearer and by Basic, and is refused a change with a hint.
    assert.equal((await cli(['experiments', 'ls'], { MLFLOW_TRACKING_TOKEN: value })).code, 0)
    assert.equal((await cli(['experiments', 'ls'], { MLFLOW_TRACKING_USERNAME: 'ci', MLFLOW_TRACKING_PASSWORD: value })).code, 0)
    const refused = await cli(['experiments', 'create', 'nope'], { MLFLOW_TRACKING_TOKEN: value })
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /\(PERMISSION_DENIED\)\nYour token's role does not allow this/)
    const notAdmin = await cli(['tokens', 'ls'], { MLFLOW_TRACKING_TOKEN: value })
    assert.equal(notAdmin.code, 1)

    const revoked = await cli(['tokens', 'revoke', token.id], admin)
    assert.equal(revoked.code, 0, revoked.stderr)
    assert.match(revoked.stdout, new RegExp(`Revoked token ${token.id} of ci \\(read\\)`))
    assert.equal((await cli(['experiments', 'ls'], { MLFLOW_TRACKING_TOKEN: value })).code, 1)
    const all = await cli(['tokens', 'ls', '--all', '--json'], admin)
    assert.ok(JSON.parse(all.stdout).find((t: { id: string }) => t.id === token.id).revoked_at)
    // Directly on the database, too.
    const direct = await runCli(['tokens', 'ls', '--json', '--backend-store-uri', storeUri])
    assert.equal(JSON.parse(direct.stdout).length, 1)
  })

  test('a write token tracks through the CLI', async () => {
    const created = await cli(['tokens', 'create', '--user', 'walt', '--role', 'write'], { MLFLOW_TRACKING_TOKEN: adminToken })
    const res = await cli(['experiments', 'create', 'by-walt'], { MLFLOW_TRACKING_TOKEN: created.stdout.trim() })
    assert.equal(res.code, 0, res.stderr)
  })

  test('on the database: ls and revoke refuse a path with no database and make none; create says it made one', async () => {
    const typo = path.join(home, 'typo', 'railyard.db')
    for (const args of [['ls'], ['revoke', '0123456789abcdef0123456789abcdef']]) {
      const res = await runCli(['tokens', ...args, '--backend-store-uri', `sqlite:///${typo.replace(/^\//, '')}`])
      assert.equal(res.code, 1, args.join(' '))
      assert.match(res.stderr, /There is no database at \S+typo\/railyard\.db: --backend-store-uri must be the one the server was started with/)
      assert.equal(fs.existsSync(typo), false)
    }
    const created = await runCli(['tokens', 'create', '--user', 'bob', '--role', 'admin', '--backend-store-uri', typo])
    assert.equal(created.code, 0, created.stderr)
    assert.match(created.stderr, /There was no database at \S+typo\/railyard\.db, so a new one was made/)
    const again = await runCli(['tokens', 'create', '--user', 'bob', '--role', 'read', '--backend-store-uri', typo])
    assert.equal(again.code, 0, again.stderr)
    assert.doesNotMatch(again.stderr, /There was no database/)
  })
})

test('RAILYARD_AUTH=1 turns authentication on; without an admin token the server says how to make one', async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-cli-auth-env-'))
  const server = startCli(['server', '--port', '0'], { env: { RAILYARD_HOME: home, RAILYARD_AUTH: '1' } })
  try {
    await server.waitFor(/listening at http:\/\/\S+/)
    await server.waitFor(/no admin token exists yet/)
    assert.match(server.out.stderr, /railyard tokens create --user <you> --role admin --backend-store-uri/)
    const url = /listening at (http:\/\/\S+)/.exec(server.out.stdout)![1]
    const res = await fetch(`${url}/api/2.0/mlflow/experiments/search`)
    assert.equal(res.status, 401)
    assert.equal((await fetch(`${url}/health`)).status, 200)
  } finally {
    server.child.kill('SIGTERM')
    await server.done
    fs.rmSync(home, { recursive: true, force: true })
  }
})
