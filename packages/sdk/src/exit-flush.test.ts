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
      resolve({ ...first, code, signal: sig, stderr })
    })
  })
}

describe('flush at process exit (child processes)', () => {
  let server: TestServer
  let client: RailyardClient
  let supervisedRunId: string
  // Starting a child with tsx takes a second or more, so the four children run side by side.
  let children: Record<'returns' | 'joined' | 'sigterm' | 'sigint' | 'exits', Promise<ChildResult>>
  const points = 2500

  before(async () => {
    server = await startTestServer('sqlite')
    client = new RailyardClient({ trackingUri: server.url })
    supervisedRunId = (await client.runs.create({})).info.run_id
    const env = { MLFLOW_TRACKING_URI: server.url }
    children = {
      returns: runChild({ ...env, CHILD_EXPERIMENT: 'exit', CHILD_POINTS: String(points) }),
      joined: runChild({ ...env, MLFLOW_RUN_ID: supervisedRunId, CHILD_POINTS: '300' }),
      sigterm: runChild({ ...env, CHILD_MODE: 'wait', CHILD_POINTS: String(points) }, 'SIGTERM'),
      sigint: runChild({ ...env, CHILD_MODE: 'wait', CHILD_POINTS: '10' }, 'SIGINT'),
      exits: runChild({ ...env, CHILD_MODE: 'exit', CHILD_POINTS: '7' }),
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
})
