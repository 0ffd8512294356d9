import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Sqlite from 'better-sqlite3'
import pg from 'pg'
import { contentIdOf } from '@railyard/content-id'
import { DIALECTS, createTestDatabase, type TestDatabase } from '../../testing/databases.js'
import { createTestApp, type TestApp } from '../../testing/test-app.js'
import { call } from '../../testing/http.js'

const sha = (b: string | Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`

/** A source database of each kind, written to through its own driver. */
interface Source {
  name: string
  uri: string
  passwordEnv?: string
  exec(sql: string): Promise<void>
  close(): Promise<void>
}

async function sqliteSource(dir: string): Promise<Source> {
  const file = path.join(dir, 'source.db')
  const db = new Sqlite(file)
  return {
    name: 'sqlite',
    uri: `sqlite:///${file.replace(/^\//, '')}`,
    exec: async (sql) => {
      db.exec(sql)
    },
    close: async () => {
      db.close()
    },
  }
}

async function postgresSource(): Promise<Source & { db: TestDatabase }> {
  const db = await createTestDatabase('postgres')
  const client = new pg.Client({ connectionString: db.uri })
  await client.connect()
  // The dataset may not keep the password in its URI: it names the variable holding it.
  const url = new URL(db.uri)
  process.env.RY_TEST_TABLE_PASSWORD = decodeURIComponent(url.password)
  url.password = ''
  return {
    name: 'postgres',
    uri: url.toString(),
    passwordEnv: 'RY_TEST_TABLE_PASSWORD',
    db,
    exec: async (sql) => void (await client.query(sql)),
    close: async () => {
      await client.end()
      await db.drop()
    },
  }
}

const SCHEMA = `CREATE TABLE tweets (id INTEGER PRIMARY KEY, body TEXT NOT NULL, label INTEGER NOT NULL, score REAL)`

for (const dialect of DIALECTS) {
  describe(`table datasets (${dialect} metadata store)`, () => {
    let t: TestApp
    let dir: string
    const sources: Source[] = []
    const ry = (method: 'GET' | 'POST', p: string, payload?: Record<string, unknown>) => call(t.app, method, `/api/2.0/railyard${p}`, payload)
    const ok = async (method: 'GET' | 'POST', p: string, payload?: Record<string, unknown>) => {
      const res = await ry(method, p, payload)
      assert.equal(res.status, 200, `${p}: ${JSON.stringify(res.body)}`)
      return res.body
    }

    before(async () => {
      t = await createTestApp(dialect)
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-table-'))
      sources.push(await sqliteSource(dir), await postgresSource())
      for (const s of sources) {
        await s.exec(SCHEMA)
        await s.exec(`INSERT INTO tweets VALUES (2, 'rainy monday', 0, 0.25), (1, 'sunny "friday"', 1, 0.5), (3, 'new data', 1, NULL)`)
      }
    })
    after(async () => {
      for (const s of sources) await s.close()
      await t.dispose()
      fs.rmSync(dir, { recursive: true, force: true })
    })

    for (const kind of ['sqlite', 'postgres']) {
      test(`${kind} source: ordered JSON Lines, row count and digest; an insert or update is a new version`, async () => {
        const s = sources.find((x) => x.name === kind)!
        const name = `tweets-${kind}`
        const table = { source_uri: s.uri, query: 'SELECT id, body, score FROM tweets WHERE label = 1;', ...(s.passwordEnv ? { password_env: s.passwordEnv } : {}) }
        const created = await ok('POST', '/datasets/create', { name, table })
        assert.equal(created.dataset.type, 'table')
        assert.equal(created.dataset.table.query, 'SELECT id, body, score FROM tweets WHERE label = 1')

        const v1 = (await ok('POST', '/datasets/snapshot', { name, stream: false })).version
        const rows = '{"id":1,"body":"sunny \\"friday\\"","score":0.5}\n{"id":3,"body":"new data","score":null}\n'
        assert.equal(v1.row_count, 2)
        assert.equal(v1.table_digest, sha(rows))
        assert.equal(v1.pinned, true)
        const file = await t.app.inject({ method: 'GET', url: `/api/2.0/railyard/datasets/versions/file?name=${name}&version=${v1.id}&path=rows.jsonl` })
        assert.equal(file.body, rows)

        assert.equal((await ok('POST', '/datasets/snapshot', { name, stream: false })).version.id, v1.id)

        await s.exec(`INSERT INTO tweets VALUES (4, 'weekend', 1, 0.75)`)
        const v2 = (await ok('POST', '/datasets/snapshot', { name, stream: false })).version
        assert.notEqual(v2.id, v1.id)
        assert.equal(v2.row_count, 3)

        await s.exec(`UPDATE tweets SET body = 'cloudy' WHERE id = 4`)
        const v3 = (await ok('POST', '/datasets/snapshot', { name, stream: false })).version
        assert.notEqual(v3.id, v2.id)
        assert.equal(v3.row_count, 3)
        const diff = await ok('GET', '/datasets/versions/diff', { name, from: v2.id, to: v3.id })
        assert.equal(diff.modified[0].path, 'rows.jsonl')
        await s.exec(`DELETE FROM tweets WHERE id = 4`)
      })
    }

    test('a result over 1 MiB is named by BLAKE3, like any dataset file of its size', async () => {
      const sqlite = sources[0]
      // generate_series is not in every SQLite build: a recursive CTE makes 40,000 rows (≈1.5 MB).
      const query = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000) SELECT i, 'row number ' || i AS body FROM n"
      await ok('POST', '/datasets/create', { name: 'big-table', table: { source_uri: sqlite.uri, query } })
      const v = (await ok('POST', '/datasets/snapshot', { name: 'big-table', stream: false })).version
      assert.equal(v.row_count, 40000)
      const file = await t.app.inject({ method: 'GET', url: `/api/2.0/railyard/datasets/versions/file?name=big-table&version=${v.id}&path=rows.jsonl` })
      assert.equal(file.statusCode, 200)
      assert.ok(file.rawPayload.length > 1024 * 1024)
      assert.equal(v.table_digest, contentIdOf(file.rawPayload))
      assert.match(v.table_digest, /^blake3:/)
      const [entry] = (await ok('GET', '/datasets/versions/files', { name: 'big-table', version: v.id })).files
      assert.equal(entry.oid, v.table_digest)
    })

    test('bad table sources are 400s and create nothing', async () => {
      const sqlite = sources[0]
      const badQuery = await ry('POST', '/datasets/create', { name: 'bad-query', table: { source_uri: sqlite.uri, query: 'SELECT nope FROM missing' } })
      assert.equal(badQuery.status, 400)
      assert.match(badQuery.body.message, /Table source query failed: no such table: missing/)
      const write = await ry('POST', '/datasets/create', { name: 'bad-write', table: { source_uri: sqlite.uri, query: 'DELETE FROM tweets' } })
      assert.equal(write.status, 400)
      const withPassword = await ry('POST', '/datasets/create', { name: 'bad-pw', table: { source_uri: 'postgres://me:secret@127.0.0.1:1/db', query: 'SELECT 1' } })
      assert.equal(withPassword.status, 400)
      assert.match(withPassword.body.message, /must not contain a password/)
      assert.doesNotMatch(withPassword.body.message, /secret/)
      const noFile = await ry('POST', '/datasets/create', { name: 'bad-file', table: { source_uri: `sqlite:///${dir.slice(1)}/none.db`, query: 'SELECT 1' } })
      assert.equal(noFile.status, 400)
      const mixed = await ry('POST', '/datasets/create', { name: 'bad-mix', datastore: 'x', table: { source_uri: sqlite.uri, query: 'SELECT 1' } })
      assert.equal(mixed.status, 400)
      for (const name of ['bad-query', 'bad-write', 'bad-pw', 'bad-file', 'bad-mix']) {
        assert.equal((await ry('GET', '/datasets/get', { name })).status, 404)
      }
      const tweets = await sqliteRows(sqlite.uri)
      assert.equal(tweets, 3, 'the source is untouched')
    })
  })
}

async function sqliteRows(uri: string): Promise<number> {
  const db = new Sqlite(`/${uri.slice('sqlite:///'.length)}`, { readonly: true })
  try {
    return (db.prepare('SELECT count(*) AS n FROM tweets').get() as { n: number }).n
  } finally {
    db.close()
  }
}
