// The serving benchmark (`npm run bench:serving`): throughput and p50/p99 latency of /invocations
// for the example tweet classifier next to a bare Fastify route answering a constant and to the
// serving stack with a constant model (same run, interleaved rounds), then 50 alias flips under
// load counting failed and wrong-version answers, then the same with --workers 2.
// The tracking server runs in this process, `railyard serve` and the baseline in their own; the
// load generator is node:http keep-alive on loopback. Flags: --seconds=10 (measured per endpoint)
// --connections=32 --flips=50 --train-rows=20000 --skip=workers2,flips
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { serve } from '@railyard/server'
import { RailyardClient, registryOf } from '@railyard/sdk'
import { generateLoad, percentile, type LoadResult } from '../../packages/serving/src/testing/load-generator.js'
import { startBare, startServe, type Child } from './processes.js'
import { invocationBody, registerTweetVersions, writeConstantModel } from './tweets-model.js'
import { flipUnderLoad, type FlipResult } from './flips.js'

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]))
const seconds = Number(args.seconds ?? 10)
const connections = Number(args.connections ?? 32)
const flips = Number(args.flips ?? 50)
const trainRows = Number(args['train-rows'] ?? 20_000)
const skip = new Set((args.skip ?? '').split(','))
const log = (msg: string) => console.error(`[bench] ${msg}`)

interface Measured {
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  requests: number
  failed: number
  /** Server CPU per request, µs (single-process servers only). */
  cpuUsPerRequest?: number
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-bench-serving-'))
const children: Child[] = []
const results: Record<string, unknown> = {
  command: `npm run bench:serving${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  date: new Date().toISOString(),
  machine: {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadAverageAtStart: os.loadavg().map((x) => Number(x.toFixed(2))),
  },
  plan: { seconds, connections, flips, trainRows, requestBody: 'one tweet per request, dataframe_split' },
}

const tracking = await serve({
  host: '127.0.0.1',
  port: 0,
  backendStoreUri: `sqlite:///${path.join(work, 'railyard.db').replace(/^\//, '')}`,
  artifactsDestination: path.join(work, 'artifacts'),
  logger: false,
})
try {
  const client = new RailyardClient({ trackingUri: tracking.url })
  log(`training and registering two versions of the tweet classifier on ${trainRows} tweets`)
  const versions = await registerTweetVersions(client, 'tweets', trainRows)
  const [v1] = [...versions.models.keys()]
  await registryOf(client).setAlias('tweets', 'production', v1)
  const bodies = versions.tweets.map(invocationBody)
  const secret = 'bench-secret'
  const serveArgs = (workers: number) => [
    '--model', 'models:/tweets@production', '--port', '0', '--workers', String(workers),
    '--poll-interval', '1s', '--webhook-secret', secret, '--tracking-uri', tracking.url,
  ]
  const env = { RAILYARD_MODEL_CACHE: path.join(work, 'cache') }

  const single = await startServe(serveArgs(1), env)
  children.push(single)
  const bare = await startBare()
  children.push(bare)
  // The serving stack alone: the same server with a model whose predict returns a constant.
  const constant = await startServe(['--model', await writeConstantModel(path.join(work, 'constant-model')), '--port', '0'], env)
  children.push(constant)
  await registryOf(client).callRailyard('createWebhook', { url: `${single.url}/-/reload`, events: ['alias.set'], secret })

  const measure = async (child: Child, label: string, ms: number): Promise<LoadResult & { cpu: number }> => {
    await generateLoad({ url: `${child.url}/invocations`, connections, durationMs: 500, body: (n) => bodies[n % bodies.length] })
    const cpu0 = child.cpuSeconds()
    const r = await generateLoad({ url: `${child.url}/invocations`, connections, durationMs: ms, body: (n) => bodies[n % bodies.length], keepLatencies: true })
    const cpu = child.cpuSeconds() - cpu0
    log(`${label}: ${Math.round(r.requestsPerSecond)} req/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, failed ${r.failed}`)
    return { ...r, cpu }
  }
  // Short interleaved rounds, so changes in the machine's background load hit every endpoint alike.
  const rounds = 5
  const runs: Record<'bare' | 'constant' | 'invocations', Array<LoadResult & { cpu: number }>> = { bare: [], constant: [], invocations: [] }
  for (let i = 0; i < rounds; i++) {
    runs.bare.push(await measure(bare, `bare route, round ${i + 1}`, (seconds * 1000) / rounds))
    runs.constant.push(await measure(constant, `/invocations of a constant model, round ${i + 1}`, (seconds * 1000) / rounds))
    runs.invocations.push(await measure(single, `/invocations, round ${i + 1}`, (seconds * 1000) / rounds))
  }
  const summary = (rs: Array<LoadResult & { cpu: number }>): Measured => {
    const requests = rs.reduce((s, r) => s + r.requests, 0)
    const latencies = rs.flatMap((r) => r.latencies ?? []).sort((a, b) => a - b)
    return {
      requestsPerSecond: (requests / rs.reduce((s, r) => s + r.durationMs, 0)) * 1000,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      requests,
      failed: rs.reduce((s, r) => s + r.failed, 0),
      cpuUsPerRequest: (rs.reduce((s, r) => s + r.cpu, 0) / requests) * 1e6,
    }
  }
  const throughput: Record<string, Measured | number> = { bare: summary(runs.bare), constant: summary(runs.constant), invocations: summary(runs.invocations) }
  const rps = (k: string) => (throughput[k] as Measured).requestsPerSecond
  throughput.ratio = rps('invocations') / rps('bare')
  throughput.constantRatio = rps('constant') / rps('bare')
  log(`ratio /invocations ÷ bare: ${(throughput.ratio as number).toFixed(2)} (target ≥ 0.5); constant model ÷ bare: ${(throughput.constantRatio as number).toFixed(2)}`)
  results.throughput = throughput
  await bare.stop()
  await constant.stop()

  if (!skip.has('flips')) {
    log(`${flips} alias flips under load (${Math.min(connections, 16)} connections), one process`)
    const flip = await flipUnderLoad({ url: single.url, client, versions, flips, connections: Math.min(connections, 16) })
    log(`flips: ${flip.flips}, requests ${flip.requests}, failed ${flip.failed}, wrong version ${flip.wrongVersion}, swap median ${flip.swapMsMedian.toFixed(0)} ms`)
    results.flips = flip
  }
  await single.stop()

  if (!skip.has('workers2')) {
    await registryOf(client).setAlias('tweets', 'production', v1)
    const cluster = await startServe(serveArgs(2), env)
    children.push(cluster)
    const r = await measure(cluster, '/invocations with --workers 2', (seconds * 1000) / 2)
    results.workers2 = { requestsPerSecond: r.requestsPerSecond, p50Ms: r.p50Ms, p99Ms: r.p99Ms, requests: r.requests, failed: r.failed }
    if (!skip.has('flips')) {
      const n = Math.min(flips, 20)
      log(`${n} alias flips under load, --workers 2 (the primary polls every 1 s; no webhook)`)
      const flip = await flipUnderLoad({ url: cluster.url, client, versions, flips: n, connections: Math.min(connections, 16) })
      log(`flips: ${flip.flips}, requests ${flip.requests}, failed ${flip.failed}, wrong version ${flip.wrongVersion}, swap median ${flip.swapMsMedian.toFixed(0)} ms`)
      results.workers2Flips = flip
    }
    await cluster.stop()
  }
} finally {
  for (const c of children) await c.stop().catch(() => undefined)
  await tracking.close()
  fs.rmSync(work, { recursive: true, force: true })
}

;(results.machine as Record<string, unknown>).loadAverageAtEnd = os.loadavg().map((x) => Number(x.toFixed(2)))
const out = fileURLToPath(new URL('./results.json', import.meta.url))
fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`)
console.log(markdown(results))
process.exit(0)

function markdown(r: Record<string, any>): string {
  const t = r.throughput
  const int = (n: number) => Math.round(n).toLocaleString('en-US')
  const lines = [
    `| endpoint | req/s | p50 ms | p99 ms | server CPU µs/req | failed |`,
    `|---|---:|---:|---:|---:|---:|`,
    `| bare Fastify route (constant) | ${int(t.bare.requestsPerSecond)} | ${t.bare.p50Ms.toFixed(2)} | ${t.bare.p99Ms.toFixed(2)} | ${int(t.bare.cpuUsPerRequest)} | ${t.bare.failed} |`,
    `| /invocations, constant model (the serving stack alone) | ${int(t.constant.requestsPerSecond)} | ${t.constant.p50Ms.toFixed(2)} | ${t.constant.p99Ms.toFixed(2)} | ${int(t.constant.cpuUsPerRequest)} | ${t.constant.failed} |`,
    `| /invocations, tweet classifier | ${int(t.invocations.requestsPerSecond)} | ${t.invocations.p50Ms.toFixed(2)} | ${t.invocations.p99Ms.toFixed(2)} | ${int(t.invocations.cpuUsPerRequest)} | ${t.invocations.failed} |`,
  ]
  if (r.workers2) lines.push(`| /invocations, --workers 2 | ${int(r.workers2.requestsPerSecond)} | ${r.workers2.p50Ms.toFixed(2)} | ${r.workers2.p99Ms.toFixed(2)} | – | ${r.workers2.failed} |`)
  lines.push(
    '',
    `Ratio /invocations ÷ bare: **${t.ratio.toFixed(2)}** (target ≥ 0.5); server CPU per request, bare ÷ /invocations: ${(t.bare.cpuUsPerRequest / t.invocations.cpuUsPerRequest).toFixed(2)}; ` +
      `constant model ÷ bare: ${t.constantRatio.toFixed(2)}`,
  )
  for (const [key, label] of [['flips', 'one process, webhook push + 1 s poll'], ['workers2Flips', '--workers 2, 1 s poll']] as const) {
    const f = r[key] as FlipResult | undefined
    if (!f) continue
    lines.push(
      '',
      `Swap test (${label}): ${f.flips} alias flips under load, ${int(f.requests)} requests (${int(f.requestsPerSecond)} req/s), ` +
        `**${f.failed} failed, ${f.wrongVersion} wrong-version** (target 0); alias set → new version answering: median ${f.swapMsMedian.toFixed(0)} ms, max ${f.swapMsMax.toFixed(0)} ms`,
    )
  }
  return lines.join('\n')
}
