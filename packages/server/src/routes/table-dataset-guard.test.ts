import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import Sqlite from 'better-sqlite3'
import { DIALECTS } from '../testing/databases.js'
import { createTestApp, type TestApp } from '../testing/test-app.js'

for (const dialect of DIALECTS) {
  describe(`under --auth, table datasets are made with an admin token only (${dialect})`, () => {
    let t: TestApp
    let url: string
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-table-guard-'))
    const source = `sqlite:///${path.join(dir, 'source.db').replace(/^\//, '')}`
    const tokens: Record<string, string> = {}
    const call = async (who: string, route: string, body: object) => {
      const res = await fetch(`${url}/api/2.0/railyard${route}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      return { status: res.status, body: await res.json() }
    }

    before(async () => {
      const db = new Sqlite(path.join(dir, 'source.db'))
      db.exec("CREATE TABLE t (id INTEGER, v TEXT); INSERT INTO t VALUES (1, 'a'), (2, 'b')")
      db.close()
      t = await createTestApp(dialect, { auth: true })
      for (const [user, role] of [['ci', 'write'], ['ada', 'admin']]) tokens[user] = (await t.services.tokens.create({ user, role }, 'test')).value
      await t.app.listen({ host: '127.0.0.1', port: 0 })
      url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
    })
    after(async () => {
      await t.dispose()
      fs.rmSync(dir, { recursive: true, force: true })
    })

    test("a write token is refused a table dataset, naming the admin role; nothing is made", async () => {
      for (const table of [
        { source_uri: source, query: 'SELECT id, v FROM t' },
        // The server's environment variables are sent as the password to the host the source names.
        { source_uri: 'postgres://someone@127.0.0.1:1/db', query: 'SELECT 1', password_env: 'HOME' },
      ]) {
        const refused = await call('ci', '/datasets/create', { name: 'rows', table })
        assert.equal(refused.status, 403, JSON.stringify(refused.body))
        assert.equal(refused.body.error_code, 'PERMISSION_DENIED')
        assert.equal(
          refused.body.message,
          "A table dataset names a database and an environment variable on the server, so creating one needs a token with the 'admin' role; ci's token has 'write'",
        )
      }
      const listed = await fetch(`${url}/api/2.0/railyard/datasets/list`, { headers: { authorization: `Bearer ${tokens.ci}` } })
      assert.deepEqual((await listed.json()).datasets ?? [], [])
    })

    test('an admin makes one; a write token snapshots it', async () => {
      const created = await call('ada', '/datasets/create', { name: 'rows', table: { source_uri: source, query: 'SELECT id, v FROM t' } })
      assert.equal(created.status, 200, JSON.stringify(created.body))
      const snap = await call('ci', '/datasets/snapshot', { name: 'rows', stream: false })
      assert.equal(snap.status, 200, JSON.stringify(snap.body))
      assert.equal(snap.body.version.row_count, 2)
      assert.equal(snap.body.version.created_by, 'ci')
    })
  })
}
