import fs from 'node:fs'
import { NotFoundError } from '@railyard/api'
import { defaultConfig } from '../config.js'
import { Store } from '../store/store.js'
import { sqliteFileFromUri } from '../store/dialects.js'
import { TokensService } from '../services/tokens.js'

export interface OpenedTokenAdmin {
  tokens: TokensService
  backendStoreUri: string
  /**
   * The SQLite file this call made because there was none. A server started before on the URI would
   * have made it, so this is either a first token made before the first start, or a mistyped path
   * whose token the server will never see: the CLI says which file it made.
   */
  createdFile?: string
  close(): Promise<void>
}

/**
 * Token administration straight on the database, without a server: how the first admin token is
 * made (`railyard tokens create --backend-store-uri …`). Whoever can open the database can
 * already change everything in it, so this grants nothing new. With `mayCreate`, a SQLite file that
 * does not exist is made and migrated, as the server would on its first start; without it, a
 * missing file is RESOURCE_DOES_NOT_EXIST and nothing is made.
 */
export async function openTokenAdmin(
  backendStoreUri?: string,
  env: NodeJS.ProcessEnv = process.env,
  opts: { mayCreate?: boolean } = {},
): Promise<OpenedTokenAdmin> {
  const uri = backendStoreUri ?? defaultConfig(env).backendStoreUri
  const file = /^postgres(ql)?:\/\//.test(uri) ? undefined : sqliteFileFromUri(uri)
  const missing = file !== undefined && file !== ':memory:' && !fs.existsSync(file)
  if (missing && !opts.mayCreate) {
    throw new NotFoundError(`There is no database at ${file}: --backend-store-uri must be the one the server was started with`)
  }
  const store = await Store.open(uri)
  return { tokens: new TokensService(store), backendStoreUri: uri, createdFile: missing ? file : undefined, close: () => store.close() }
}
