import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { DIALECTS } from '../testing/databases.js'
import { createTestApp, type TestApp } from '../testing/test-app.js'
import { call } from '../testing/http.js'

const MiB = 1024 * 1024
// Files over 1 MiB are streamed one at a time, files up to 1 MiB are read in groups of about
// 4 MiB: the version has both, 208 MiB in all, so a server reading it all ahead cannot hide.
const LARGE = 32 // large/00.bin … of 2 MiB
const SMALL = 144 // small/000.bin … of 1 MiB
const TOTAL = (LARGE * 2 + SMALL) * MiB
// What the server may hold, read from files but not yet handed to the socket: the group being
// sent and the next one read ahead (2 × 4 MiB), with room to spare. What the kernel buffers is
// not counted; on loopback it varies from run to run (the receive buffer autotunes up to 32 MiB).
const HELD_LIMIT = 24 * MiB

/** Bytes this process has read (read(2) and the like, every thread): the in-process server's file reads and the client's socket reads. */
const rchar = () => Number(/^rchar: (\d+)$/m.exec(fs.readFileSync('/proc/self/io', 'utf8'))![1])

/** Bytes the kernel holds for the loopback connection between two ports: written but not yet read, at both ends. */
function queuedBetween(a: number, b: number): number {
  let queued = 0
  for (const row of fs.readFileSync('/proc/net/tcp', 'utf8').trim().split('\n').slice(1)) {
    const [, local, remote, , queues] = row.trim().split(/\s+/)
    const ports = [local, remote].map((end) => parseInt(end.split(':')[1], 16))
    if ((ports[0] === a && ports[1] === b) || (ports[0] === b && ports[1] === a)) {
      for (const q of queues.split(':')) queued += parseInt(q, 16)
    }
  }
  return queued
}

interface Download {
  res: http.IncomingMessage
  /** Body bytes handed to the client so far. */
  received(): number
  /** Bytes the server has read since the request went out: this process's reads minus the client's socket reads. */
  serverRead(): number
  /** Bytes the server has written to the connection: what the client's socket read and what the kernel still holds. */
  handedOver(): number
  /** The whole body's size and its last 200 bytes, once it ended. */
  done: Promise<{ size: number; tail: string }>
}

// Responses still open when a test fails: closed before the app, which would wait for them.
const responses = new Set<http.IncomingMessage>()

/** POSTs `body` on a connection of its own and counts what arrives; `onData` sees the running total. */
async function download(url: string, body: object, onData: (received: number) => void = () => {}): Promise<Download> {
  const start = rchar()
  const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } })
  req.end(JSON.stringify(body))
  const [res] = (await once(req, 'response')) as [http.IncomingMessage]
  responses.add(res)
  assert.equal(res.statusCode, 200)
  const socket = res.socket
  let received = 0
  let tail = Buffer.alloc(0)
  res.on('data', (chunk: Buffer) => {
    received += chunk.length
    tail = Buffer.concat([tail, chunk]).subarray(-200)
    onData(received)
  })
  return {
    res,
    received: () => received,
    serverRead: () => rchar() - start - socket.bytesRead,
    handedOver: () => socket.bytesRead + queuedBetween(socket.localPort!, socket.remotePort!),
    done: once(res, 'end').then(() => ({ size: received, tail: tail.toString('latin1') })),
  }
}

/** The server's reads once they have stopped growing for half a second (reading /proc itself adds a little). */
async function settledReads(d: Download): Promise<number> {
  let last = d.serverRead()
  for (let still = 0, waited = 0; still < 5 && waited < 30_000; waited += 100) {
    await sleep(100)
    const now = d.serverRead()
    still = now - last < 64 * 1024 ? still + 1 : 0
    last = now
  }
  return last
}

/** Waits for the client to have paused itself (or its response to end), at most 30 s. */
async function paused(d: Download): Promise<void> {
  for (let waited = 0; !d.res.isPaused() && !d.res.complete && waited < 30_000; waited += 20) await sleep(20)
  assert.ok(d.res.isPaused(), `the client never paused; it received ${d.received()} bytes`)
}

const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`

let data: string
before(() => {
  data = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-read-flow-'))
  fs.mkdirSync(path.join(data, 'large'))
  fs.mkdirSync(path.join(data, 'small'))
  for (let i = 0; i < LARGE; i++) fs.writeFileSync(path.join(data, 'large', `${String(i).padStart(2, '0')}.bin`), Buffer.alloc(2 * MiB, i))
  for (let i = 0; i < SMALL; i++) fs.writeFileSync(path.join(data, 'small', `${String(i).padStart(3, '0')}.bin`), Buffer.alloc(MiB, i))
})
after(() => fs.rmSync(data, { recursive: true, force: true }))

for (const dialect of DIALECTS) {
  describe(`readDatasetFiles flow control (${dialect})`, () => {
    let t: TestApp
    let url: string
    const whole = { name: 'flow', version: 'latest' }

    before(async () => {
      t = await createTestApp(dialect)
      const base = await t.app.listen({ host: '127.0.0.1', port: 0 })
      url = `${base}/api/2.0/railyard/datasets/versions/files/read`
      for (const [p, payload] of [
        ['/datastores/create', { name: 'lake', kind: 'local', config: { root: data } }],
        ['/datasets/create', { name: 'flow', datastore: 'lake' }],
        ['/datasets/snapshot', { name: 'flow', stream: false }],
      ] as const) {
        const res = await call(t.app, 'POST', `/api/2.0/railyard${p}`, payload)
        assert.equal(res.status, 200, `${p}: ${JSON.stringify(res.body)}`)
      }
    })
    after(() => {
      for (const res of responses) res.destroy()
      return t.dispose()
    })

    test('a paused client holds the server to a bounded read-ahead, in streamed and grouped files alike; resumed, it gets everything', async () => {
      // Pause once inside the large files and once inside the small ones.
      const pauses = [8 * MiB, (LARGE * 2 + 40) * MiB]
      let next = 0
      const d = await download(url, whole, (received) => {
        if (received >= pauses[next]) {
          next++
          d.res.pause()
        }
      })
      for (const at of pauses) {
        await paused(d)
        const read = await settledReads(d)
        const held = read - d.handedOver()
        console.log(`# paused at ${mib(d.received())}: the server read ${mib(read - d.received())} ahead, ${mib(held)} of it not yet handed to the socket`)
        assert.ok(d.received() >= at && d.received() < at + MiB)
        assert.ok(held <= HELD_LIMIT, `the server holds ${held} bytes`)

        // Meanwhile other requests are served.
        const other = await download(url, { ...whole, paths: ['small/143.bin'] })
        assert.ok((await other.done).tail.endsWith('{"end":true,"files":1}\n'))
        d.res.resume()
      }
      const { size, tail } = await d.done
      assert.ok(tail.endsWith(`{"end":true,"files":${LARGE + SMALL}}\n`))
      assert.ok(size > TOTAL)
      // The measure sees the server's reads: every file once (and the other requests' file).
      const read = await settledReads(d)
      assert.ok(read >= TOTAL && read < TOTAL + 8 * MiB, `read ${read} bytes`)
    })

    test('a client that leaves mid-stream, reading or stalled, stops the reading with no unhandled error; the server goes on serving', async () => {
      const unhandled: unknown[] = []
      const note = (err: unknown) => void unhandled.push(err)
      process.on('uncaughtException', note).on('unhandledRejection', note)
      try {
        for (const [leaveAt, stalled] of [[20 * MiB, false], [(LARGE * 2 + 20) * MiB, true]] as const) {
          const d = await download(url, whole, (received) => {
            if (received >= leaveAt) d.res.pause()
          })
          await paused(d)
          if (stalled) await settledReads(d)
          const handedOver = d.handedOver()
          d.res.destroy()
          const read = await settledReads(d)
          console.log(`# left at ${mib(d.received())}${stalled ? ' (stalled)' : ''}: the server read ${mib(read)} in all, ${mib(read - handedOver)} beyond what it had sent`)
          // Nothing more than what it held: the rest of the version stays unread.
          assert.ok(read - handedOver <= HELD_LIMIT, `read ${read} bytes, sent ${handedOver}`)
        }
        const again = await download(url, { ...whole, paths: ['large/31.bin', 'small/000.bin'] })
        const { size, tail } = await again.done
        assert.ok(tail.endsWith('{"end":true,"files":2}\n'))
        assert.ok(size > 3 * MiB && size < 3 * MiB + 1000)
      } finally {
        process.off('uncaughtException', note).off('unhandledRejection', note)
      }
      assert.deepEqual(unhandled, [])
    })
  })
}
