import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'

export type Backend = 'sqlite' | 'postgres'

export interface BenchDatabase {
  uri: string
  drop(): Promise<void>
}

/** A fresh store: a SQLite file in a temp folder, or a new database on the benchmark's PostgreSQL. */
export async function freshDatabase(backend: Backend, pgAdminUrl: string | undefined, label: string): Promise<BenchDatabase> {
  if (backend === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `railyard-bench-${label}-`))
    return {
      uri: `sqlite:///${path.join(dir, 'railyard.db').replace(/^\//, '')}`,
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    }
  }
  if (!pgAdminUrl) throw new Error('PostgreSQL is not running')
  const name = `bench_${label}_${Date.now().toString(36)}`
  await adminQuery(pgAdminUrl, `CREATE DATABASE ${name}`)
  const url = new URL(pgAdminUrl)
  url.pathname = `/${name}`
  return { uri: url.toString(), drop: () => adminQuery(pgAdminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) }
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}

export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `railyard-bench-${label}-`))
}
