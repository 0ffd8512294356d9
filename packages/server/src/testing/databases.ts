import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** A fresh, empty database of one dialect for one test file or test. */
export interface TestDatabase {
  dialect: 'sqlite' | 'postgres'
  uri: string
  /** Drops the database or deletes the file. */
  drop(): Promise<void>
}

export const DIALECTS = ['sqlite', 'postgres'] as const

/**
 * Makes a new database. PostgreSQL comes from TEST_POSTGRES_URL, which `npm test` sets after it
 * starts a real server; without it this throws, so PostgreSQL tests fail rather than skip.
 */
export async function createTestDatabase(dialect: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-test-'))
    return {
      dialect,
      uri: `sqlite:///${path.join(dir, 'railyard.db').replace(/^\//, '')}`,
      async drop() {
        fs.rmSync(dir, { recursive: true, force: true })
      },
    }
  }
  const admin = process.env.TEST_POSTGRES_URL
  if (!admin) {
    throw new Error('TEST_POSTGRES_URL is not set: run the tests with `npm test`, which starts PostgreSQL')
  }
  const name = `railyard_t_${randomBytes(6).toString('hex')}`
  const client = new pg.Client({ connectionString: admin })
  await client.connect()
  await client.query(`CREATE DATABASE ${name}`)
  await client.end()
  const url = new URL(admin)
  url.pathname = `/${name}`
  return {
    dialect,
    uri: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: admin })
      await c.connect()
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await c.end()
    },
  }
}
