import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomFillSync } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { startAppProcess, type AppProcess } from '../testing/app-process.js'
import { TEMP_PREFIX } from '../blob/local.js'

const MiB = 1024 * 1024
const PROXY = '/api/2.0/mlflow-artifacts/artifacts'

/**
 * A request body of `total` pseudo-random bytes, made 256 KiB at a time as fetch pulls it, so the
 * client never holds the file either. With `abortAt`, the upload is aborted (through `signal`)
 * once that many bytes went out, like a client that dies mid-upload.
 */
function generatedBody(total: number, opts: { abortAt?: number } = {}) {
  const hash = createHash('sha256')
  const controller = new AbortController()
  let sent = 0
  let digest: string | undefined
  const stream = new ReadableStream<Uint8Array>({
    pull(stream) {
      // After an abort fetch may keep pulling; stop producing instead of spinning.
      if (controller.signal.aborted) return stream.error(controller.signal.reason)
      if (opts.abortAt !== undefined && sent >= opts.abortAt) return controller.abort()
      if (sent >= total) return stream.close()
      const chunk = randomFillSync(Buffer.allocUnsafe(Math.min(256 * 1024, total - sent)))
      hash.update(chunk)
      sent += chunk.length
      stream.enqueue(chunk)
    },
  })
  return { stream, signal: controller.signal, digest: () => (digest ??= hash.digest('hex')) }
}

function fileSha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256')
    fs.createReadStream(file)
      .on('data', (c) => hash.update(c))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject)
  })
}

function tempFilesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((p) => path.basename(p).startsWith(TEMP_PREFIX))
}

// The server runs in its own process so that its memory is measured apart from the client's
// (fetch on Node 20 keeps a streamed request body alive after sending it).
describe('artifact uploads stream through a listening server', () => {
  let server: AppProcess
  let url: string

  before(async () => {
    server = await startAppProcess()
    url = server.url
  })
  after(() => server.stop())

  test('a 64 MB upload is stored byte for byte without the server holding it in memory', async () => {
    // A first streamed upload grows the heap and buffer pools once (about 30 MiB, whatever the
    // size); after it, uploads of any size add nothing. Warm up so the check sees the per-byte cost.
    const warmup = await fetch(`${url}${PROXY}/big/warmup.bin`, { method: 'PUT', body: generatedBody(32 * MiB).stream, duplex: 'half' } as RequestInit)
    assert.equal(warmup.status, 200)
    const size = 64 * MiB
    server.resetPeak()
    const baseline = server.memory().rss
    const body = generatedBody(size)
    const res = await fetch(`${url}${PROXY}/big/model.bin`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: body.stream,
      duplex: 'half',
    } as RequestInit)
    const growth = server.memory().peakRss - baseline
    assert.equal(res.status, 200)
    assert.deepEqual(await res.json(), {})
    const stored = path.join(server.artifactsDir, 'big/model.bin')
    assert.equal(fs.statSync(stored).size, size)
    assert.equal(await fileSha256(stored), body.digest())
    // Holding the upload would cost at least its 64 MiB; streaming costs socket and stream buffers,
    // whose high-water mark depends on GC timing under load (seen up to ~15 MiB on a busy machine).
    assert.ok(growth < size / 3, `the server's peak RSS grew by ${(growth / MiB).toFixed(1)} MiB during a ${size / MiB} MiB upload`)

    const download = await fetch(`${url}${PROXY}/big/model.bin`)
    const hash = createHash('sha256')
    for await (const chunk of download.body as unknown as AsyncIterable<Uint8Array>) hash.update(chunk)
    assert.equal(hash.digest('hex'), body.digest())
  })

  test('an upload cut off mid-way leaves the previous file and no temporary file', async () => {
    await fetch(`${url}${PROXY}/cut/file.bin`, { method: 'PUT', body: 'previous' })
    const body = generatedBody(256 * MiB, { abortAt: 8 * MiB })
    await assert.rejects(
      fetch(`${url}${PROXY}/cut/file.bin`, { method: 'PUT', body: body.stream, duplex: 'half', signal: body.signal } as RequestInit),
    )
    // The server notices the closed connection asynchronously.
    for (let i = 0; i < 100 && tempFilesUnder(server.artifactsDir).length > 0; i++) await new Promise((r) => setTimeout(r, 20))
    assert.deepEqual(tempFilesUnder(server.artifactsDir), [])
    assert.equal(fs.readFileSync(path.join(server.artifactsDir, 'cut/file.bin'), 'utf8'), 'previous')
    const still = await fetch(`${url}${PROXY}/cut/file.bin`)
    assert.equal(await still.text(), 'previous')
  })
})
