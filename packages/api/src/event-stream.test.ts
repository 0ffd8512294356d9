import assert from 'node:assert/strict'
import { test } from 'node:test'
import { readServerSentEvents, type ServerSentEvent } from './event-stream.js'

/** A Response whose body arrives in the given pieces, as a network splits it. */
const responseOf = (pieces: string[]) =>
  new Response(
    new ReadableStream({
      start(controller) {
        for (const p of pieces) controller.enqueue(new TextEncoder().encode(p))
        controller.close()
      },
    }),
  )

const collect = async (res: Response, signal?: AbortSignal) => {
  const out: ServerSentEvent[] = []
  for await (const e of readServerSentEvents(res, signal)) out.push(e)
  return out
}

test('events split anywhere by the network come out whole; comments and data-less blocks are skipped', async () => {
  const body = ': keep-alive\n\nevent: line\nid: 7\ndata: {"a":1}\n\nevent: end\ndata:first\ndata: second\n\nevent: empty\n\ndata: plain é\n\n'
  // Every split point, including inside the two-byte é and the blank line between events.
  const bytes = new TextEncoder().encode(body)
  for (let cut = 1; cut < bytes.length; cut++) {
    const pieces = [bytes.subarray(0, cut), bytes.subarray(cut)]
    const res = new Response(new ReadableStream({ start: (c) => (pieces.forEach((p) => c.enqueue(p)), c.close()) }))
    assert.deepEqual(
      await collect(res),
      [
        { event: 'line', id: '7', data: '{"a":1}' },
        { event: 'end', data: 'first\nsecond' },
        { event: 'message', data: 'plain é' },
      ],
      `cut at ${cut}`,
    )
  }
})

test('an aborted signal ends the stream and cancels the body', async () => {
  let cancelled = false
  const res = new Response(
    new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('data: one\n\n'))
      },
      cancel() {
        cancelled = true
      },
    }),
  )
  const abort = new AbortController()
  const seen: string[] = []
  for await (const e of readServerSentEvents(res, abort.signal)) {
    seen.push(e.data)
    abort.abort()
  }
  assert.deepEqual(seen, ['one'])
  assert.equal(cancelled, true)
})

test('a response without a body yields nothing', async () => {
  assert.deepEqual(await collect(responseOf([])), [])
  assert.deepEqual(await collect(new Response(null)), [])
})
