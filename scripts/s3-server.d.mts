export declare const S3RVER_CREDENTIALS: Readonly<{ accessKeyId: string; secretAccessKey: string }>
export declare const S3RVER_SERVICE_DOMAIN: string
export interface S3TestServer {
  endpoint: string
  port: number
  credentials: { accessKeyId: string; secretAccessKey: string }
  stop(): Promise<void>
}
export declare function startS3Server(opts?: { buckets?: string[]; timeoutMs?: number }): Promise<S3TestServer>
