// Starts Azurite's blob service (Microsoft's Azure Storage emulator, from npm) on a free loopback
// port with a temporary data folder, for the Azure blob store's tests. It serves the well-known
// development account devstoreaccount1 and checks shared-key signatures.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from './free-port.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const bin = path.join(root, 'node_modules', '.bin', 'azurite-blob')

export const AZURITE_ACCOUNT = 'devstoreaccount1'
// Azurite's published development key (the same for every installation), not a secret.
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

/**
 * Starts a server; resolves to { connectionString, blobEndpoint, account, accountKey, stop() } once
 * it answers HTTP. Throws (never skips) when it cannot start within `timeoutMs`.
 */
export async function startAzurite({ timeoutMs = 30_000 } = {}) {
  if (!fs.existsSync(bin)) throw new Error(`Azurite is not installed (${bin} missing): run npm install`)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-azurite-'))
  const port = await freePort()
  const child = spawn(
    bin,
    ['--blobHost', '127.0.0.1', '--blobPort', String(port), '--location', dir,
      '--silent', '--skipApiVersionCheck', '--disableTelemetry'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  const collect = (chunk) => {
    output = (output + chunk).slice(-4000)
  }
  child.stdout.on('data', collect)
  child.stderr.on('data', collect)
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))

  const cleanUp = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      // Azurite waits for idle keep-alive connections before exiting; its data is thrown away
      // anyway, so don't wait long.
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 1_000)
      await exited
      clearTimeout(killTimer)
    }
    fs.rmSync(dir, { recursive: true, force: true })
  }

  const blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`
  const deadline = Date.now() + timeoutMs
  let exit
  exited.then((e) => (exit = e))
  while (!(await answers(blobEndpoint))) {
    if (exit) {
      await cleanUp()
      throw new Error(`Azurite exited before answering (code ${exit.code}, signal ${exit.signal}):\n${output}`)
    }
    if (Date.now() > deadline) {
      await cleanUp()
      throw new Error(`Azurite did not answer on ${blobEndpoint} within ${timeoutMs} ms:\n${output}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    blobEndpoint,
    account: AZURITE_ACCOUNT,
    accountKey: AZURITE_KEY,
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
      `BlobEndpoint=${blobEndpoint};`,
    stop: cleanUp,
  }
}

// Any HTTP answer (even an error status) means the server is up.
function answers(url) {
  return new Promise((resolve) => {
    const req = http.get(`${url}?comp=list`, (res) => {
      res.resume()
      resolve(true)
    })
    req.on('error', () => resolve(false))
    req.setTimeout(1_000, () => {
      req.destroy()
      resolve(false)
    })
  })
}
