import { registryOf, type RailyardClient } from '@railyard/sdk'
import { generateLoad, type LoadResponse } from '../../packages/serving/src/testing/load-generator.js'
import { invocationBody, type TweetVersions } from './tweets-model.js'

export interface FlipResult {
  flips: number
  requests: number
  /** Non-2xx answers and requests that got no answer. */
  failed: number
  /** Answers naming a version that was not current while the request ran, or whose predictions are not that version's. */
  wrongVersion: number
  requestsPerSecond: number
  /** From setting the alias to the first answer from the new version, ms. */
  swapMsMedian: number
  swapMsMax: number
  durationMs: number
}

/**
 * The swap test: `flips` alias moves between two versions while a load generator keeps
 * `connections` requests in flight. Each move waits until an answer comes from the new version,
 * then a short pause, then the next. Every answer is checked against the alias timeline and
 * against the predictions its version gives for that tweet.
 */
export async function flipUnderLoad(opts: { url: string; client: RailyardClient; versions: TweetVersions; flips: number; connections: number }): Promise<FlipResult> {
  const { versions } = opts
  const registry = registryOf(opts.client)
  const [a, b] = [...versions.models.keys()]
  const bodies = versions.tweets.map(invocationBody)
  const indexOf = new Map(bodies.map((body, i) => [body, i]))
  const expected = new Map([...versions.models].map(([v, model]) => [v, versions.tweets.map((t) => JSON.stringify({ predictions: model.predict([t]) }))]))

  await registry.setAlias(versions.name, 'production', a)
  const timeline: Array<{ at: number; version: string }> = [{ at: 0, version: a }]
  const versionAt = (t: number) => {
    let k = 0
    while (k + 1 < timeline.length && timeline[k + 1].at <= t) k++
    return k
  }
  let failed = 0
  let wrongVersion = 0
  let waiting: { version: string; resolve: () => void } | undefined
  const check = (r: LoadResponse) => {
    if (r.status < 200 || r.status >= 300) {
      failed++
      return
    }
    const end = performance.now()
    // Allowed: any version the alias named while the request ran, or the one it had just left
    // (the server follows the alias a moment later).
    const from = Math.max(0, versionAt(end - r.latencyMs) - 1)
    const allowed = new Set(timeline.slice(from, versionAt(end) + 1).map((e) => e.version))
    const right = r.version !== undefined && allowed.has(r.version) && expected.get(r.version)?.[indexOf.get(r.sent)!] === r.body
    if (!right) wrongVersion++
    if (waiting && r.version === waiting.version) waiting.resolve()
  }
  let stopLoad!: () => void
  const started = performance.now()
  const load = generateLoad({
    url: `${opts.url}/invocations`,
    connections: opts.connections,
    body: (n) => bodies[n % bodies.length],
    stop: new Promise<void>((resolve) => (stopLoad = resolve)),
    onResponse: check,
  })
  const swapMs: number[] = []
  try {
    // The server may still be on the version it served before; let it settle on `a`.
    await new Promise<void>((resolve) => (waiting = { version: a, resolve }))
    for (let i = 0; i < opts.flips; i++) {
      const next = i % 2 === 0 ? b : a
      const seen = new Promise<void>((resolve) => (waiting = { version: next, resolve }))
      const t0 = performance.now()
      timeline.push({ at: t0, version: next })
      await registry.setAlias(versions.name, 'production', next)
      await Promise.race([seen, new Promise((_, reject) => setTimeout(() => reject(new Error(`flip ${i + 1}: version ${next} not served after 30 s`)), 30_000))])
      swapMs.push(performance.now() - t0)
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100))
    }
  } finally {
    waiting = undefined
    stopLoad()
  }
  const result = await load
  swapMs.sort((x, y) => x - y)
  return {
    flips: swapMs.length,
    requests: result.requests,
    failed,
    wrongVersion,
    requestsPerSecond: result.requestsPerSecond,
    swapMsMedian: swapMs[Math.floor(swapMs.length / 2)],
    swapMsMax: swapMs[swapMs.length - 1],
    durationMs: performance.now() - started,
  }
}
