import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ApiError, ConnectionError, InvalidParameterError, type RunLogLineInput } from '@railyard/sdk'
import { LogShipper } from './log-shipper.js'
import { LineSplitter } from './line-splitter.js'

/** A stand-in for the server's append endpoint that can be made to fail. */
function fakeServer() {
  const received: RunLogLineInput[][] = []
  const state = { failWith: undefined as Error | undefined, delayMs: 0 }
  return {
    received,
    state,
    lines: () => received.flat().map((l) => l.line),
    async send(batch: RunLogLineInput[]) {
      await new Promise((r) => setTimeout(r, state.delayMs))
      if (state.failWith) throw state.failWith
      received.push(batch.map((l) => ({ ...l })))
    },
  }
}

test('lines arriving during a request form the next batch, in order', async () => {
  const server = fakeServer()
  server.state.delayMs = 20
  const shipper = new LogShipper({ send: (b) => server.send(b), warn: () => {} })
  for (let i = 0; i < 50; i++) {
    shipper.push('stdout', `line ${i}`)
    if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5))
  }
  assert.equal(await shipper.flush(5000), 0)
  assert.deepEqual(server.lines(), Array.from({ length: 50 }, (_, i) => `line ${i}`))
  assert.ok(server.received.length > 1 && server.received.length < 50, `batched into ${server.received.length} requests`)
})

test('batches respect the line and byte limits', async () => {
  const server = fakeServer()
  const shipper = new LogShipper({ send: (b) => server.send(b), warn: () => {}, maxBatchLines: 3, maxBatchBytes: 1000 })
  for (let i = 0; i < 7; i++) shipper.push('stdout', i === 4 ? 'x'.repeat(2000) : `l${i}`)
  await shipper.flush(5000)
  assert.deepEqual(server.received.map((b) => b.length), [1, 3, 1, 2])
  assert.equal(server.lines().length, 7)
})

test('an unreachable server is retried without losing or reordering lines, and warned about once', async () => {
  const server = fakeServer()
  const warnings: string[] = []
  server.state.failWith = new ConnectionError('down')
  const shipper = new LogShipper({ send: (b) => server.send(b), warn: (m) => warnings.push(m), retryDelayMs: 10 })
  shipper.push('stdout', 'a')
  shipper.push('stderr', 'b')
  await new Promise((r) => setTimeout(r, 60))
  shipper.push('stdout', 'c')
  server.state.failWith = undefined
  assert.equal(await shipper.flush(5000), 0)
  assert.deepEqual(server.lines(), ['a', 'b', 'c'])
  assert.equal(warnings.length, 1)
  assert.match(warnings[0], /will keep trying/)
})

test('while the server is away the oldest lines are dropped, and a marker line says how many', async () => {
  const server = fakeServer()
  server.state.failWith = new ConnectionError('down')
  const shipper = new LogShipper({ send: (b) => server.send(b), warn: () => {}, maxQueuedLines: 5, retryDelayMs: 10 })
  for (let i = 0; i < 12; i++) shipper.push('stdout', `l${i}`)
  await new Promise((r) => setTimeout(r, 30))
  server.state.failWith = undefined
  const unsent = await shipper.flush(5000)
  const lines = server.lines()
  const markers = lines.filter((l) => l.startsWith('[railyard]'))
  assert.equal(markers.length, 1)
  const dropped = Number(/^\[railyard\] (\d+) output lines were dropped/.exec(markers[0])![1])
  const kept = lines.filter((l) => !l.startsWith('[railyard]')).map((l) => Number(l.slice(1)))
  // What was kept is in order, ends with the newest lines, and the marker stands where the gap is.
  assert.deepEqual(kept, [...kept].sort((a, b) => a - b))
  assert.deepEqual(kept.slice(-4), [8, 9, 10, 11])
  assert.equal(kept.length + dropped, 12)
  const gapAt = kept.findIndex((n, i) => i > 0 && n !== kept[i - 1] + 1)
  assert.equal(lines.indexOf(markers[0]), gapAt)
  assert.equal(unsent, dropped)
})

test('a permanent refusal (a deleted run) stops shipping instead of retrying forever', async () => {
  const server = fakeServer()
  const warnings: string[] = []
  server.state.failWith = new InvalidParameterError("The run abc must be in the 'active' state.")
  const shipper = new LogShipper({ send: (b) => server.send(b), warn: (m) => warnings.push(m), retryDelayMs: 10 })
  shipper.push('stdout', 'a')
  assert.equal(await shipper.flush(1000), 0)
  shipper.push('stdout', 'b')
  assert.deepEqual(server.received, [])
  assert.equal(warnings.length, 1)
  assert.match(warnings[0], /no longer sent/)
})

test('flush gives up after its timeout when the server never comes back', async () => {
  const server = fakeServer()
  server.state.failWith = new ConnectionError('down')
  const shipper = new LogShipper({ send: (b) => server.send(b), warn: () => {}, retryDelayMs: 5000 })
  shipper.push('stdout', 'a')
  shipper.push('stdout', 'b')
  const started = Date.now()
  assert.equal(await shipper.flush(200), 2)
  assert.ok(Date.now() - started < 1500)
})

test('the splitter keeps what a terminal shows: joined UTF-8, no CR, last state of a redrawn line', () => {
  const lines: string[] = []
  const splitter = new LineSplitter((l) => lines.push(l), 50)
  const euro = Buffer.from('€')
  splitter.push(Buffer.concat([Buffer.from('price 5'), euro.subarray(0, 1)]))
  splitter.push(Buffer.concat([euro.subarray(1), Buffer.from('\r\nepoch 1 10%\repoch 1 50%\repoch 1 100%\n')]))
  splitter.push('x'.repeat(60))
  splitter.push('tail without newline')
  splitter.end()
  assert.deepEqual(lines, ['price 5€', 'epoch 1 100%', 'x'.repeat(60), 'tail without newline'])
})

/** An append endpoint with the server's first_seq rules, whose answers can be lost after storing. */
function seqServer() {
  const log: string[] = []
  const seen: Array<number | undefined> = []
  let loseNextAnswer = false
  return {
    log,
    seen,
    loseNextAnswer: () => (loseNextAnswer = true),
    async send(batch: RunLogLineInput[], firstSeq: number | undefined) {
      seen.push(firstSeq)
      if (firstSeq !== undefined && firstSeq !== log.length + 1) {
        const repeat = batch.every((l, i) => log[firstSeq - 1 + i] === l.line)
        if (!repeat) throw new ApiError('RESOURCE_CONFLICT', `ends at seq ${log.length}`)
        return { last_seq: firstSeq + batch.length - 1 }
      }
      log.push(...batch.map((l) => l.line))
      if (loseNextAnswer) {
        loseNextAnswer = false
        throw new ConnectionError('connection reset after the request was sent')
      }
      return { last_seq: log.length }
    },
  }
}

test('a batch whose answer was lost is retried with the same first seq and stored once', async () => {
  const server = seqServer()
  const shipper = new LogShipper({ send: (b, s) => server.send(b, s), firstSeq: 1, warn: () => {}, retryDelayMs: 5, maxBatchLines: 2 })
  server.loseNextAnswer()
  for (let i = 1; i <= 5; i++) shipper.push('stdout', `line ${i}`)
  assert.equal(await shipper.flush(5000), 0)
  assert.deepEqual(server.log, ['line 1', 'line 2', 'line 3', 'line 4', 'line 5'])
  // The first batch (one line: the pump starts at the first push) is retried as it was.
  assert.deepEqual(server.seen, [1, 1, 2, 4])
})

test('when another writer appended, shipping goes on without seqs and says so once', async () => {
  const server = seqServer()
  server.log.push('written by someone else')
  const warnings: string[] = []
  const shipper = new LogShipper({ send: (b, s) => server.send(b, s), firstSeq: 1, warn: (m) => warnings.push(m), retryDelayMs: 5 })
  shipper.push('stdout', 'mine')
  assert.equal(await shipper.flush(5000), 0)
  assert.deepEqual(server.log, ['written by someone else', 'mine'])
  assert.deepEqual(server.seen, [1, undefined])
  assert.equal(warnings.length, 1)
  assert.match(warnings[0], /without sequence checks/)
})
