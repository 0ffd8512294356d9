import type { FastifyRequest } from 'fastify'
import { adminOnly, belowAdmin } from '../auth/admin-only.js'

/**
 * Under `--auth`, a table dataset is made only with an admin token, as a datastore is. Its source
 * names a database the server opens (any SQLite file the server can read, its own database
 * included, or any PostgreSQL host) and a server environment variable the server sends there as the
 * password, so with a `write` token anyone could read the server's files (webhook secrets in its
 * database) or send its secrets (RAILYARD_SECRET_KEY, cloud keys) to a host of their choosing.
 * Snapshots of a table dataset an admin made stay `write`.
 */
export function refuseTableDataset(req: FastifyRequest, table: unknown): void {
  const caller = belowAdmin(req)
  if (table === undefined || !caller) return
  throw adminOnly(`A table dataset names a database and an environment variable on the server, so creating one needs a token with the 'admin' role`, caller)
}
