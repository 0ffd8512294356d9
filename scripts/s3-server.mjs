// Starts s3rver (an S3-compatible server from npm) on a free loopback port over a temporary
// folder, for the S3 blob store's tests. s3rver knows one account: access key S3RVER, secret
// S3RVER. It checks that the access key exists but does not verify SigV4 signatures.
//
// s3rver runs in a child Node process started with --openssl-legacy-provider: it encrypts its
// ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only offers through the legacy
// provider, so without it every truncated listing fails with InternalError. The child also keeps
// s3rver's work off the test process, and it exits when its stdin closes, so it never outlives us.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const S3RVER_CREDENTIALS = Object.freeze({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' })
/** Virtual-host requests are recognised as <bucket>.s3.<this>; resolve those names to 127.0.0.1. */
export const S3RVER_SERVICE_DOMAIN = 'railyard.test'

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 's3-server-child.cjs')

/**
 * Starts a server; resolves to { endpoint, port, credentials, stop() } once it listens, with
 * `buckets` created. Throws (never skips) when it cannot start within `timeoutMs`.
 */
export async function startS3Server({ buckets = [], timeoutMs = 20_000 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-s3-'))
  const proc = spawn(process.execPath, ['--openssl-legacy-provider', child], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      S3RVER_CONFIG: JSON.stringify({ directory: dir, buckets, serviceEndpoint: S3RVER_SERVICE_DOMAIN }),
    },
  })
  let stderr = ''
  proc.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000)
  })
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })))
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.stdin.end()
      const killTimer = setTimeout(() => proc.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(killTimer)
    }
    fs.rmSync(dir, { recursive: true, force: true })
  }

  let port
  try {
    port = await new Promise((resolve, reject) => {
      let stdout = ''
      const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
      proc.stdout.on('data', (chunk) => {
        stdout += chunk
        const match = /^listening (\d+)$/m.exec(stdout)
        if (match) {
          clearTimeout(timer)
          resolve(Number(match[1]))
        }
      })
      exited.then(({ code, signal }) => {
        clearTimeout(timer)
        reject(new Error(`the server process exited (code ${code}, signal ${signal})`))
      })
      proc.once('error', (err) => {
        clearTimeout(timer)
        reject(err)
      })
    })
  } catch (err) {
    await stop()
    throw new Error(`Could not start s3rver: ${err?.message ?? err}\n${stderr}`)
  }
  return { endpoint: `http://127.0.0.1:${port}`, port, credentials: S3RVER_CREDENTIALS, stop }
}
