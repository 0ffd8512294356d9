import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import { openDatabase } from './dialects.js'

test('a new SQLite database and its WAL are readable by their owner only; an existing file keeps its mode', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-db-mode-'))
  try {
    const file = path.join(dir, 'nested', 'railyard.db')
    const { db } = openDatabase(`sqlite:///${file}`)
    await sql`create table t (x integer)`.execute(db)
    await sql`insert into t values (1)`.execute(db)
    assert.equal(fs.statSync(file).mode & 0o777, 0o600)
    assert.equal(fs.statSync(`${file}-wal`).mode & 0o777, 0o600)
    await db.destroy()

    const shared = path.join(dir, 'shared.db')
    fs.writeFileSync(shared, '')
    fs.chmodSync(shared, 0o644)
    const again = openDatabase(`sqlite:///${shared}`)
    await sql`select 1`.execute(again.db)
    assert.equal(fs.statSync(shared).mode & 0o777, 0o644)
    await again.db.destroy()
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
