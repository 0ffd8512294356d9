import { after, before, beforeEach, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Sqlite from 'better-sqlite3'
import { Kysely, sql } from 'kysely'
import { GroupCommitSqliteDialect } from './sqlite-group-commit.js'

interface Tables {
  parents: { id: number }
  items: { id: number; parent: number | null; label: string }
}

// SQLite-only: this is the SQLite driver itself. A second connection checks what is really committed.
describe('GroupCommitSqliteDialect', () => {
  let dir: string
  let file: string
  let db: Kysely<Tables>
  let outside: Sqlite.Database

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-group-commit-'))
    file = path.join(dir, 'db.sqlite')
    const sqlite = new Sqlite(file)
    sqlite.pragma('journal_mode = WAL')
    sqlite.pragma('foreign_keys = ON')
    db = new Kysely<Tables>({ dialect: new GroupCommitSqliteDialect(sqlite) })
    await sql`CREATE TABLE parents (id INTEGER PRIMARY KEY)`.execute(db)
    // Deferred, so a violation surfaces only at COMMIT: the way to make a shared COMMIT fail.
    await sql`CREATE TABLE items (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parents(id) DEFERRABLE INITIALLY DEFERRED, label TEXT NOT NULL)`.execute(db)
    outside = new Sqlite(file, { readonly: true })
  })
  after(async () => {
    outside.close()
    await db.destroy()
    fs.rmSync(dir, { recursive: true, force: true })
  })
  beforeEach(async () => {
    await db.deleteFrom('items').execute()
  })

  const committed = () => (outside.prepare('SELECT id FROM items ORDER BY id').all() as Array<{ id: number }>).map((r) => r.id)
  const insert = (id: number, parent: number | null = null) =>
    db.transaction().execute(async (tx) => {
      await tx.insertInto('items').values({ id, parent, label: `item ${id}` }).execute()
      return id
    })

  test('concurrent transactions all commit, and each is committed when its promise resolves', async () => {
    const ids = await Promise.all([1, 2, 3, 4, 5].map(async (id) => {
      await insert(id)
      // Seen from another connection: the shared COMMIT has happened, not just the savepoint.
      assert.ok(committed().includes(id), `item ${id} committed when its transaction resolved`)
      return id
    }))
    assert.deepEqual(ids, [1, 2, 3, 4, 5])
    assert.deepEqual(committed(), [1, 2, 3, 4, 5])
  })

  test('a failing transaction undoes only its own writes; the others of its group commit', async () => {
    const results = await Promise.allSettled([
      insert(10),
      db.transaction().execute(async (tx) => {
        await tx.insertInto('items').values({ id: 11, parent: null, label: 'doomed' }).execute()
        throw new Error('rule broken')
      }),
      // A statement error (duplicate key) inside a transaction, after another write of its own.
      db.transaction().execute(async (tx) => {
        await tx.insertInto('items').values({ id: 12, parent: null, label: 'first' }).execute()
        await tx.insertInto('items').values({ id: 10, parent: null, label: 'duplicate' }).execute()
      }),
      insert(13),
    ])
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'rejected', 'fulfilled'])
    assert.match(String((results[1] as PromiseRejectedResult).reason), /rule broken/)
    assert.match(String((results[2] as PromiseRejectedResult).reason), /UNIQUE/)
    assert.deepEqual(committed(), [10, 13])
  })

  test('a COMMIT that fails rejects every transaction of its group and stores none of them', async () => {
    const results = await Promise.allSettled([insert(20), insert(21, 999), insert(22)])
    // All three shared the COMMIT that the dangling reference (parent 999) made fail.
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'rejected'])
    assert.match(String((results[0] as PromiseRejectedResult).reason), /FOREIGN KEY/)
    assert.deepEqual(committed(), [])
    // The driver is usable afterwards.
    await insert(23)
    assert.deepEqual(committed(), [23])
  })

  test('a write outside a transaction commits the pending group first and is itself durable', async () => {
    const pending = insert(30)
    await db.insertInto('items').values({ id: 31, parent: null, label: 'autocommit' }).execute()
    assert.deepEqual(committed(), [30, 31])
    await pending
  })

  test('reads outside transactions work while a group is pending', async () => {
    const pending = insert(40)
    const rows = await db.selectFrom('items').select('id').execute()
    assert.deepEqual(rows, [{ id: 40 }])
    await pending
    assert.deepEqual(committed(), [40])
  })

  test('savepoints of a controlled transaction nest inside its member savepoint', async () => {
    const trx = await db.startTransaction().execute()
    await trx.insertInto('items').values({ id: 50, parent: null, label: 'kept' }).execute()
    const sp = await trx.savepoint('inner').execute()
    await sp.insertInto('items').values({ id: 51, parent: null, label: 'undone' }).execute()
    await sp.rollbackToSavepoint('inner').execute()
    await trx.commit().execute()
    assert.deepEqual(committed(), [50])
  })

  test('another connection cannot commit in the middle of a group, so no member fails on a stale snapshot', async () => {
    const writer = new Sqlite(file, { timeout: 0 })
    let otherWrite: unknown
    const first = db.transaction().execute(async (tx) => {
      await tx.selectFrom('items').select('id').execute()
      // The group holds the write lock: the other connection has to wait (here: fails at once).
      try {
        writer.prepare("INSERT INTO items (id, parent, label) VALUES (70, NULL, 'other')").run()
      } catch (err) {
        otherWrite = err
      }
      await tx.insertInto('items').values({ id: 71, parent: null, label: 'first' }).execute()
    })
    const second = insert(72)
    await Promise.all([first, second])
    assert.match(String((otherWrite as Error)?.message), /locked|busy/i)
    writer.prepare("INSERT INTO items (id, parent, label) VALUES (70, NULL, 'other')").run()
    writer.close()
    assert.deepEqual(committed(), [70, 71, 72])
  })

  test('destroy commits a pending group', async () => {
    const dir2 = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-group-commit-'))
    const file2 = path.join(dir2, 'db.sqlite')
    const db2 = new Kysely<Tables>({ dialect: new GroupCommitSqliteDialect(new Sqlite(file2)) })
    await sql`CREATE TABLE items (id INTEGER PRIMARY KEY, parent INTEGER, label TEXT NOT NULL)`.execute(db2)
    let statementsDone!: () => void
    const started = new Promise<void>((resolve) => (statementsDone = resolve))
    const pending = db2.transaction().execute(async (tx) => {
      await tx.insertInto('items').values({ id: 60, parent: null, label: 'last' }).execute()
      statementsDone()
    })
    // Its statements ran and its COMMIT waits for the next event-loop turn: destroy must not lose it.
    await started
    await db2.destroy()
    await pending
    const check = new Sqlite(file2, { readonly: true })
    assert.deepEqual(check.prepare('SELECT id FROM items').all(), [{ id: 60 }])
    check.close()
    fs.rmSync(dir2, { recursive: true, force: true })
  })
})
