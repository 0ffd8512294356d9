import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { RUN_LOG_LIMITS, readServerSentEvents, type ServerSentEvent } from '@railyard/api'
import { buildApp, type App } from '../app.js'
import { DIALECTS, createTestDatabase, type TestDatabase } from '../testing/databases.js'
import { createTestApp, type TestApp } from '../testing/test-app.js'
import { call, mlflow } from '../testing/http.js'

for (const dialect of DIALECTS) {
  describe(`run logs API (${dialect})`, () => {
    let t: TestApp
    let api: ReturnType<typeof mlflow>
    const logs = (method: 'GET' | 'POST', p: string, payload?: Record<string, unknown> | string) =>
      call(t.app, method, `/api/2.0/railyard${p}`, payload)
    const newRun = async () => (await api('POST', '/runs/create', { experiment_id: '0' })).body.run.info.run_id as string
    const lineOf = (i: number, stream = 'stdout') => ({ stream, line: `line ${i}`, timestamp: 1_700_000_000_000 + i })

    before(async () => {
      t = await createTestApp(dialect)
      api = mlflow(t.app)
    })
    after(() => t.dispose())

    test('append numbers lines from 1 and a paged read returns them in order', async () => {
      const runId = await newRun()
      const first = await logs('POST', '/runs/logs/append', { run_id: runId, lines: [lineOf(1), lineOf(2, 'stderr'), lineOf(3)] })
      assert.equal(first.status, 200)
      assert.deepEqual(first.body, { first_seq: 1, last_seq: 3 })
      const second = await logs('POST', '/runs/logs/append', { run_id: runId, lines: [lineOf(4), lineOf(5)] })
      assert.deepEqual(second.body, { first_seq: 4, last_seq: 5 })

      const page1 = await logs('GET', '/runs/logs', { run_id: runId, max_results: 2 })
      assert.equal(page1.status, 200)
      assert.deepEqual(page1.body, {
        lines: [
          { seq: 1, stream: 'stdout', timestamp: 1_700_000_000_001, line: 'line 1' },
          { seq: 2, stream: 'stderr', timestamp: 1_700_000_000_002, line: 'line 2' },
        ],
        next_seq: 2,
        has_more: true,
        last_seq: 5,
      })
      const page2 = await logs('GET', '/runs/logs', { run_id: runId, after_seq: page1.body.next_seq, max_results: 2 })
      assert.deepEqual(page2.body.lines.map((l: { line: string }) => l.line), ['line 3', 'line 4'])
      const page3 = await logs('GET', '/runs/logs', { run_id: runId, after_seq: page2.body.next_seq, max_results: 2 })
      assert.deepEqual(page3.body, { lines: [{ seq: 5, stream: 'stdout', timestamp: 1_700_000_000_005, line: 'line 5' }], next_seq: 5, last_seq: 5 })
      const end = await logs('GET', '/runs/logs', { run_id: runId, after_seq: 5 })
      assert.deepEqual(end.body, { next_seq: 5, last_seq: 5 })
    })

    test('timestamps default to now, string int64s are accepted, empty appends are no-ops', async () => {
      const runId = await newRun()
      const before = Date.now()
      await logs('POST', '/runs/logs/append', { run_id: runId, lines: [{ stream: 'stdout', line: 'no time' }] })
      await logs('POST', '/runs/logs/append', { run_id: runId, lines: [{ stream: 'stdout', line: 'string time', timestamp: '42' }] })
      assert.deepEqual((await logs('POST', '/runs/logs/append', { run_id: runId, lines: [] })).body, {})
      const { body } = await logs('GET', '/runs/logs', { run_id: runId })
      assert.equal(body.lines.length, 2)
      assert.ok(body.lines[0].timestamp >= before && body.lines[0].timestamp <= Date.now())
      assert.equal(body.lines[1].timestamp, 42)
      assert.equal(body.lines[0].line, 'no time')
    })

    test('very long lines are truncated with a marker, not refused', async () => {
      const runId = await newRun()
      const long = 'x'.repeat(RUN_LOG_LIMITS.lineLength + 5000)
      const res = await logs('POST', '/runs/logs/append', { run_id: runId, lines: [{ stream: 'stdout', line: long }, lineOf(2)] })
      assert.equal(res.status, 200)
      const { body } = await logs('GET', '/runs/logs', { run_id: runId })
      const stored: string = body.lines[0].line
      assert.ok(stored.length <= RUN_LOG_LIMITS.lineLength && stored.length > RUN_LOG_LIMITS.lineLength - 2)
      assert.match(stored, /^x+… \[truncated \d+ characters\]$/)
      const cut = Number(/truncated (\d+)/.exec(stored)![1])
      assert.equal(stored.indexOf('…') + cut, long.length)
      assert.equal(body.lines[1].line, 'line 2')
    })

    test('bad input is a 400 naming the field, and stores nothing', async () => {
      const runId = await newRun()
      const cases: Array<[Record<string, unknown> | string, RegExp]> = [
        [{ lines: [lineOf(1)] }, /'run_id'/],
        [{ run_id: runId }, /'lines'/],
        [{ run_id: runId, lines: 'text' }, /'lines'/],
        [{ run_id: runId, lines: [{ stream: 'stdin', line: 'x' }] }, /'lines\.0\.stream'/],
        [{ run_id: runId, lines: [lineOf(1), { stream: 'stdout', line: 7 }] }, /'lines\.1\.line'/],
        [{ run_id: runId, lines: [{ stream: 'stdout', line: 'x', timestamp: -1 }] }, /'lines\.0\.timestamp'/],
        [{ run_id: runId, lines: Array.from({ length: RUN_LOG_LIMITS.appendLines + 1 }, (_, i) => lineOf(i)) }, /'lines'.*at most 1000/],
        [{ run_id: 'bad id!', lines: [lineOf(1)] }, /'run_id'/],
        ['{"run_id": ', /./],
      ]
      for (const [payload, message] of cases) {
        const res = await logs('POST', '/runs/logs/append', payload)
        assert.equal(res.status, 400, JSON.stringify(payload).slice(0, 100))
        assert.equal(res.body.error_code, 'INVALID_PARAMETER_VALUE')
        assert.match(res.body.message, message)
      }
      for (const [query, message] of [
        [{ run_id: runId, after_seq: -1 }, /'after_seq'/],
        [{ run_id: runId, after_seq: 'abc' }, /'after_seq'/],
        [{ run_id: runId, max_results: 0 }, /'max_results'/],
        [{ run_id: runId, max_results: RUN_LOG_LIMITS.readMax + 1 }, /'max_results'/],
        [{}, /'run_id'/],
      ] as const) {
        const res = await logs('GET', '/runs/logs', query)
        assert.equal(res.status, 400, JSON.stringify(query))
        assert.match(res.body.message, message)
      }
      const stream = await logs('GET', '/runs/logs/stream', { run_id: runId, after_seq: 'x' })
      assert.equal(stream.status, 400)
      assert.match(stream.body.message, /'after_seq'/)
      assert.deepEqual((await logs('GET', '/runs/logs', { run_id: runId })).body, { next_seq: 0, last_seq: 0 })
    })

    test('unknown runs are 404; deleted runs can be read but not appended to', async () => {
      const missing = 'f'.repeat(32)
      for (const res of [
        await logs('POST', '/runs/logs/append', { run_id: missing, lines: [lineOf(1)] }),
        await logs('GET', '/runs/logs', { run_id: missing }),
        await logs('GET', '/runs/logs/stream', { run_id: missing }),
      ]) {
        assert.equal(res.status, 404)
        assert.equal(res.body.error_code, 'RESOURCE_DOES_NOT_EXIST')
        assert.match(res.body.message, new RegExp(missing))
      }
      const runId = await newRun()
      await logs('POST', '/runs/logs/append', { run_id: runId, lines: [lineOf(1)] })
      await api('POST', '/runs/delete', { run_id: runId })
      const rejected = await logs('POST', '/runs/logs/append', { run_id: runId, lines: [lineOf(2)] })
      assert.equal(rejected.status, 400)
      assert.match(rejected.body.message, /must be in the 'active' state/)
      const read = await logs('GET', '/runs/logs', { run_id: runId })
      assert.deepEqual(read.body.lines.map((l: { line: string }) => l.line), ['line 1'])
    })

    test('concurrent appends get unique seqs, each call contiguous and in order', async () => {
      const runId = await newRun()
      const calls = 16
      const perCall = 25
      const results = await Promise.all(
        Array.from({ length: calls }, (_, c) =>
          logs('POST', '/runs/logs/append', {
            run_id: runId,
            lines: Array.from({ length: perCall }, (_, i) => ({ stream: 'stdout', line: `c${c}-${i}` })),
          }),
        ),
      )
      for (const r of results) {
        assert.equal(r.status, 200)
        assert.equal(r.body.last_seq - r.body.first_seq, perCall - 1)
      }
      const { body } = await logs('GET', '/runs/logs', { run_id: runId, max_results: 10000 })
      assert.deepEqual(body.lines.map((l: { seq: number }) => l.seq), Array.from({ length: calls * perCall }, (_, i) => i + 1))
      results.forEach((r, c) => {
        const mine = body.lines.slice(r.body.first_seq - 1, r.body.last_seq).map((l: { line: string }) => l.line)
        assert.deepEqual(mine, Array.from({ length: perCall }, (_, i) => `c${c}-${i}`))
      })
    })

    test('first_seq makes a retried append safe: a repeat stores nothing, a gap or another writer is a 409', async () => {
      const runId = await newRun()
      const batch = [lineOf(1), lineOf(2, 'stderr')]
      const first = await logs('POST', '/runs/logs/append', { run_id: runId, lines: batch, first_seq: 1 })
      assert.deepEqual([first.status, first.body], [200, { first_seq: 1, last_seq: 2 }])
      // The same batch again (its answer was lost): same seqs, nothing added; timestamps may differ.
      const retry = await logs('POST', '/runs/logs/append', { run_id: runId, lines: batch.map((l) => ({ ...l, timestamp: undefined })), first_seq: 1 })
      assert.deepEqual([retry.status, retry.body], [200, { first_seq: 1, last_seq: 2 }])
      const next = await logs('POST', '/runs/logs/append', { run_id: runId, lines: [lineOf(3)], first_seq: '3' })
      assert.deepEqual(next.body, { first_seq: 3, last_seq: 3 })

      const different = await logs('POST', '/runs/logs/append', { run_id: runId, lines: [lineOf(9)], first_seq: 3 })
      assert.equal(different.status, 409)
      assert.equal(different.body.error_code, 'RESOURCE_CONFLICT')
      assert.match(different.body.message, /ends at seq 3, so lines cannot start at first_seq 3/)
      const gap = await logs('POST', '/runs/logs/append', { run_id: runId, lines: [lineOf(5)], first_seq: 5 })
      assert.equal(gap.status, 409)
      for (const bad of [0, -1, 'x', 1.5]) {
        const res = await logs('POST', '/runs/logs/append', { run_id: runId, lines: [lineOf(4)], first_seq: bad })
        assert.equal(res.status, 400, JSON.stringify(bad))
        assert.match(res.body.message, /first_seq/)
      }
      const { body } = await logs('GET', '/runs/logs', { run_id: runId })
      assert.deepEqual(body.lines.map((l: { seq: number; line: string }) => `${l.seq}:${l.line}`), ['1:line 1', '2:line 2', '3:line 3'])
      // Where an appender that joins this log goes on, whatever page it reads.
      assert.equal(body.last_seq, 3)
      assert.equal((await logs('GET', '/runs/logs', { run_id: runId, after_seq: 1, max_results: 1 })).body.last_seq, 3)
      assert.equal((await logs('GET', '/runs/logs', { run_id: await newRun() })).body.last_seq, 0)
      const unknown = await logs('POST', '/runs/logs/append', { run_id: 'f'.repeat(32), lines: [lineOf(1)], first_seq: 1 })
      assert.equal(unknown.status, 404)
    })

    test('the ajax-api prefix serves the same endpoints', async () => {
      const runId = await newRun()
      await call(t.app, 'POST', '/ajax-api/2.0/railyard/runs/logs/append', { run_id: runId, lines: [lineOf(1)] })
      const res = await call(t.app, 'GET', '/ajax-api/2.0/railyard/runs/logs', { run_id: runId })
      assert.equal(res.status, 200)
      assert.equal(res.body.lines[0].line, 'line 1')
    })
  })

  describe(`run log stream over a real server (${dialect})`, () => {
    let t: TestApp
    let base: string
    const post = async (p: string, body: unknown) => {
      const res = await fetch(base + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      return res.json() as Promise<any>
    }
    const newRun = async () => (await post('/api/2.0/mlflow/runs/create', { experiment_id: '0' })).run.info.run_id as string
    const append = (runId: string, ...lines: string[]) =>
      post('/api/2.0/railyard/runs/logs/append', { run_id: runId, lines: lines.map((line) => ({ stream: 'stdout', line })) })

    before(async () => {
      t = await createTestApp(dialect)
      base = await t.app.listen({ host: '127.0.0.1', port: 0 })
    })
    after(() => t.dispose())

    test('sends existing lines, then live ones, and ends when the run finishes', async () => {
      const runId = await newRun()
      await append(runId, 'before 1', 'before 2')
      const res = await fetch(`${base}/api/2.0/railyard/runs/logs/stream?run_id=${runId}`)
      assert.equal(res.status, 200)
      assert.match(res.headers.get('content-type')!, /^text\/event-stream/)
      const events = readServerSentEvents(res)
      const seen: ServerSentEvent[] = []
      const take = async (n: number) => {
        while (seen.length < n) {
          const next = await events.next()
          assert.ok(!next.done, 'stream ended early')
          seen.push(next.value)
        }
      }
      await take(2)
      assert.deepEqual(seen.map((e) => [e.event, e.id, JSON.parse(e.data).line]), [
        ['line', '1', 'before 1'],
        ['line', '2', 'before 2'],
      ])
      // Appended after the client connected: a live wake-up must deliver them.
      const started = Date.now()
      await append(runId, 'live 3')
      await take(3)
      assert.ok(Date.now() - started < 900, 'live line came through the notifier, not the poll')
      await append(runId, 'live 4', 'live 5')
      await take(5)
      assert.deepEqual(seen.slice(2).map((e) => JSON.parse(e.data).line), ['live 3', 'live 4', 'live 5'])
      assert.equal(t.services.runLogs.notifier.listenerCount, 1)

      await post('/api/2.0/mlflow/runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() })
      await take(6)
      assert.equal(seen[5].event, 'end')
      assert.deepEqual(JSON.parse(seen[5].data), { run_id: runId, status: 'FINISHED', last_seq: 5 })
      assert.equal((await events.next()).done, true)
      assert.equal(t.services.runLogs.notifier.listenerCount, 0)
    })

    test('after_seq and Last-Event-ID resume; a finished run streams its lines and ends at once', async () => {
      const runId = await newRun()
      await append(runId, 'a', 'b', 'c', 'd')
      await post('/api/2.0/mlflow/runs/update', { run_id: runId, status: 'FAILED' })
      const byQuery = await collect(await fetch(`${base}/api/2.0/railyard/runs/logs/stream?run_id=${runId}&after_seq=2`))
      assert.deepEqual(byQuery.map((e) => e.event === 'line' ? JSON.parse(e.data).line : e.event), ['c', 'd', 'end'])
      assert.equal(JSON.parse(byQuery[2].data).status, 'FAILED')
      const byHeader = await collect(
        await fetch(`${base}/ajax-api/2.0/railyard/runs/logs/stream?run_id=${runId}`, { headers: { 'last-event-id': '3' } }),
      )
      assert.deepEqual(byHeader.map((e) => e.event === 'line' ? JSON.parse(e.data).line : e.event), ['d', 'end'])
    })

    test('a deleted run ends the stream: it can take no more lines', async () => {
      const runId = await newRun()
      await append(runId, 'only line')
      const res = await fetch(`${base}/api/2.0/railyard/runs/logs/stream?run_id=${runId}`)
      const events = readServerSentEvents(res)
      assert.equal(JSON.parse((await events.next()).value!.data).line, 'only line')
      await post('/api/2.0/mlflow/runs/delete', { run_id: runId })
      const end = (await events.next()).value!
      assert.equal(end.event, 'end')
      assert.deepEqual(JSON.parse(end.data), { run_id: runId, status: 'RUNNING', deleted: true, last_seq: 1 })
      assert.equal((await events.next()).done, true)
    })

    test('a client that disconnects leaves no listener behind', async () => {
      const runId = await newRun()
      const before = t.services.runLogs.notifier.listenerCount
      // node:http rather than fetch: destroying the socket is exactly what a vanished client does.
      const req = http.get(`${base}/api/2.0/railyard/runs/logs/stream?run_id=${runId}`)
      const res = await new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve))
      res.setEncoding('utf8')
      let received = ''
      const gotLine = new Promise<void>((resolve) => res.on('data', (chunk: string) => (received += chunk).includes('"one"') && resolve()))
      await append(runId, 'one')
      await gotLine
      assert.equal(t.services.runLogs.notifier.listenerCount, before + 1)
      req.destroy()
      const deadline = Date.now() + 2000
      while (t.services.runLogs.notifier.listenerCount !== before && Date.now() < deadline) await sleep(20)
      assert.equal(t.services.runLogs.notifier.listenerCount, before)
    })
  })

  describe(`run logs shared by two server processes (${dialect})`, () => {
    let db: TestDatabase
    let dirs: string[]
    let a: App
    let b: App
    before(async () => {
      db = await createTestDatabase(dialect)
      dirs = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-artifacts-')))
      a = await buildApp({ backendStoreUri: db.uri, artifactsDestination: dirs[0], defaultArtifactRoot: 'mlflow-artifacts:' })
      b = await buildApp({ backendStoreUri: db.uri, artifactsDestination: dirs[1], defaultArtifactRoot: 'mlflow-artifacts:' })
    })
    after(async () => {
      await a.close()
      await b.close()
      await db.drop()
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
    })

    test('appends through both never collide, and a stream on one sees lines appended through the other', async () => {
      const runId = (await mlflow(a.app)('POST', '/runs/create', { experiment_id: '0' })).body.run.info.run_id
      const appendVia = (app: App, tag: string) =>
        call(app.app, 'POST', '/api/2.0/railyard/runs/logs/append', {
          run_id: runId,
          lines: Array.from({ length: 20 }, (_, i) => ({ stream: 'stdout', line: `${tag}${i}` })),
        })
      const results = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => appendVia(i % 2 ? a : b, `p${i}-`)))
      for (const r of results) assert.equal(r.status, 200)
      const all = await call(a.app, 'GET', '/api/2.0/railyard/runs/logs', { run_id: runId, max_results: 1000 })
      assert.deepEqual(all.body.lines.map((l: { seq: number }) => l.seq), Array.from({ length: 120 }, (_, i) => i + 1))

      const base = await a.app.listen({ host: '127.0.0.1', port: 0 })
      const res = await fetch(`${base}/api/2.0/railyard/runs/logs/stream?run_id=${runId}&after_seq=120`)
      const events = readServerSentEvents(res)
      await appendVia(b, 'other-')
      const first = await events.next()
      assert.equal(JSON.parse(first.value!.data).line, 'other-0')
      await call(b.app, 'POST', '/api/2.0/mlflow/runs/update', { run_id: runId, status: 'KILLED' })
      const rest: ServerSentEvent[] = []
      for await (const e of events) rest.push(e)
      assert.equal(rest.length, 20)
      assert.deepEqual(JSON.parse(rest[19].data), { run_id: runId, status: 'KILLED', last_seq: 140 })
    })
  })
}

async function collect(res: Response): Promise<ServerSentEvent[]> {
  const out: ServerSentEvent[] = []
  for await (const e of readServerSentEvents(res)) out.push(e)
  return out
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
