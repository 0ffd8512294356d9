import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { RailyardClient } from './client.js'
import { startTestServer, type TestServer } from './testing/server.js'

const CHILD = fileURLToPath(new URL('./testing/exit-child.ts', import.meta.url))

interface ChildResult {
  runId: string
  pending: number
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs the child script; with `signal`, sends it once the child has logged its points. */
function runChild(env: Record<string, string>, signal?: NodeJS.Signals): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: { ...process.env, RAILYARD_TRACKING_URI: '', MLFLOW_RUN_ID: '', RAILYARD_RUN_ID: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let first: { runId: string; pending: number } | undefined
    child.stdout.on('data', (chunk) => {
      stdout += chunk
      if (!first && stdout.includes('\n')) {
        first = JSON.parse(stdout.split('\n')[0])
        if (signal) child.kill(signal)
      }
    })
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('exit', (code, sig) => {
      if (!first) return reject(new Error(`child printed nothing (code ${code}): ${stderr}`))
      resolve({ ...first, code, signal: sig, stdout, stderr })
    })
  })
}

describe('flush at process exit (child processes)', () => {
  let server: TestServer
  let client: RailyardClient
  let supervisedRunId: string
  // Starting a child with tsx takes a second or more, so the children run side by side.
  let children: Record<
    'returns' | 'joined' | 'sigterm' | 'sigint' | 'exits' | 'throws' | 'rejects' | 'exitCode' | 'handled' | 'joinedThrows',
    Promise<ChildResult>
  >
  let joinedThrowsRunId: string
  const points = 2500

  before(async () => {
    server = await startTestServer('sqlite')
    client = new RailyardClient({ trackingUri: server.url })
    supervisedRunId = (await client.runs.create({})).info.run_id
    joinedThrowsRunId = (await client.runs.create({})).info.run_id
    const env = { MLFLOW_TRACKING_URI: server.url }
    children = {
      returns: runChild({ ...env, CHILD_EXPERIMENT: 'exit', CHILD_POINTS: String(points) }),
      joined: runChild({ ...env, MLFLOW_RUN_ID: supervisedRunId, CHILD_POINTS: '300' }),
      sigterm: runChild({ ...env, CHILD_MODE: 'wait', CHILD_POINTS: String(points) }, 'SIGTERM'),
      sigint: runChild({ ...env, CHILD_MODE: 'wait', CHILD_POINTS: '10' }, 'SIGINT'),
      exits: runChild({ ...env, CHILD_MODE: 'exit', CHILD_POINTS: '7' }),
      throws: runChild({ ...env, CHILD_MODE: 'throw', CHILD_POINTS: String(points) }),
      rejects: runChild({ ...env, CHILD_MODE: 'reject', CHILD_POINTS: '40' }),
      exitCode: runChild({ ...env, CHILD_MODE: 'exit-code', CHILD_POINTS: '5' }),
      handled: runChild({ ...env, CHILD_MODE: 'handled-throw', CHILD_POINTS: '12' }),
      joinedThrows: runChild({ ...env, MLFLOW_RUN_ID: joinedThrowsRunId, CHILD_MODE: 'throw', CHILD_POINTS: '30' }),
    }
    // Settle all before any test runs, so none is left running when the server closes.
    await Promise.allSettled(Object.values(children))
  })
  after(() => server.close())

  test('process.exit() before a flush says how many points were lost, naming the run', async () => {
    const res = await children.exits
    assert.equal(res.code, 0)
    assert.match(res.stderr, new RegExp(`railyard: 7 metric points of run ${res.runId} were not sent: process\\.exit\\(\\) ended the process`))
    assert.deepEqual(await client.runs.metricHistory(res.runId, 'loss'), [])
  })

  test('a script that returns without end() still delivers every point and ends its run FINISHED', async () => {
    const res = await children.returns
    assert.equal(res.code, 0, res.stderr)
    assert.equal(res.pending, points, 'nothing was sent before exit')
    const history = await client.runs.metricHistory(res.runId, 'loss')
    assert.deepEqual(history.map((m) => m.step), Array.from({ length: points }, (_, i) => i))
    assert.equal((await client.runs.get(res.runId)).info.status, 'FINISHED')
  })

  test('a joined run (MLFLOW_RUN_ID) gets its points but is left RUNNING for its supervisor', async () => {
    const res = await children.joined
    assert.equal(res.code, 0, res.stderr)
    assert.equal(res.runId, supervisedRunId)
    assert.equal((await client.runs.metricHistory(res.runId, 'loss')).length, 300)
    assert.equal((await client.runs.get(res.runId)).info.status, 'RUNNING')
  })

  test('SIGTERM flushes, marks the run KILLED and still ends the process by the signal', async () => {
    const res = await children.sigterm
    assert.equal(res.signal, 'SIGTERM', `exit code ${res.code}: ${res.stderr}`)
    assert.equal((await client.runs.metricHistory(res.runId, 'loss')).length, points)
    assert.equal((await client.runs.get(res.runId)).info.status, 'KILLED')
  })

  test('SIGINT does the same', async () => {
    const res = await children.sigint
    assert.equal(res.signal, 'SIGINT', `exit code ${res.code}: ${res.stderr}`)
    assert.equal((await client.runs.metricHistory(res.runId, 'loss')).length, 10)
    assert.equal((await client.runs.get(res.runId)).info.status, 'KILLED')
  })

  test('an uncaught exception still delivers every point, marks the run FAILED, prints the error and exits 1', async () => {
    const res = await children.throws
    assert.equal(res.code, 1, res.stderr)
    assert.match(res.stderr, /SyntaxError: .*JSON/)
    assert.match(res.stderr, /at JSON\.parse/, 'the stack is printed, as Node would')
    assert.equal((await client.runs.metricHistory(res.runId, 'loss')).length, points)
    const run = await client.runs.get(res.runId)
    assert.equal(run.info.status, 'FAILED')
    assert.ok(run.info.end_time, 'the run has an end time')
  })

  test('an unhandled rejection does the same', async () => {
    const res = await children.rejects
    assert.equal(res.code, 1, res.stderr)
    assert.match(res.stderr, /Error: the data loader failed/)
    assert.equal((await client.runs.metricHistory(res.runId, 'loss')).length, 40)
    assert.equal((await client.runs.get(res.runId)).info.status, 'FAILED')
  })

  test('a script that sets process.exitCode and returns ends its run FAILED, with its exit code kept', async () => {
    const res = await children.exitCode
    assert.equal(res.code, 3, res.stderr)
    assert.equal((await client.runs.metricHistory(res.runId, 'loss')).length, 5)
    assert.equal((await client.runs.get(res.runId)).info.status, 'FAILED')
  })

  test("a script with its own uncaughtException handler goes on: the points are sent, the run is left to it", async () => {
    const res = await children.handled
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /still running/)
    assert.match(res.stderr, /script's own handler: recoverable/)
    assert.doesNotMatch(res.stderr, /Node\.js v/, 'the SDK did not print the error as fatal')
    assert.equal((await client.runs.metricHistory(res.runId, 'loss')).length, 12)
    assert.equal((await client.runs.get(res.runId)).info.status, 'RUNNING')
  })

  test('a joined run whose script throws gets its points and is left to its supervisor (which sees exit 1)', async () => {
    const res = await children.joinedThrows
    assert.equal(res.code, 1, res.stderr)
    assert.equal(res.runId, joinedThrowsRunId)
    assert.equal((await client.runs.metricHistory(res.runId, 'loss')).length, 30)
    assert.equal((await client.runs.get(res.runId)).info.status, 'RUNNING')
  })
})
