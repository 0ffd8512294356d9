import { defaultConfig } from '../config.js'
import { Store } from '../store/store.js'
import { TokensService } from '../services/tokens.js'

export interface OpenedTokenAdmin {
  tokens: TokensService
  backendStoreUri: string
  close(): Promise<void>
}

/**
 * Token administration straight on the database, without a server: how the first admin token is
 * made (`railyard tokens create --backend-store-uri …`). Whoever can open the database can
 * already change everything in it, so this grants nothing new. Migrates a new database, as the
 * server would on its first start.
 */
export async function openTokenAdmin(backendStoreUri?: string, env: NodeJS.ProcessEnv = process.env): Promise<OpenedTokenAdmin> {
  const uri = backendStoreUri ?? defaultConfig(env).backendStoreUri
  const store = await Store.open(uri)
  return { tokens: new TokensService(store), backendStoreUri: uri, close: () => store.close() }
}
