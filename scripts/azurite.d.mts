export declare const AZURITE_ACCOUNT: string
export declare const AZURITE_KEY: string
export interface AzuriteServer {
  blobEndpoint: string
  account: string
  accountKey: string
  connectionString: string
  stop(): Promise<void>
}
export declare function startAzurite(opts?: { timeoutMs?: number }): Promise<AzuriteServer>
