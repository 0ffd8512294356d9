import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'

/**
 * Test data written the way clients write it: over HTTP to the running server (MLflow's tracking
 * and registry API, Railyard's run logs, datasets and delivery endpoints).
 */
export class Seeder {
  /** `dataDir`: where datastore folders go (the test server's, removed with it). */
  constructor(
    readonly url: string,
    readonly dataDir: string,
  ) {}

  async call<T = any>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: object): Promise<T> {
    let target = this.url + path
    const init: RequestInit = { method, headers: { 'x-railyard-user': 'alice' } }
    if (method === 'GET' && body) target += '?' + new URLSearchParams(body as Record<string, string>)
    else if (body) {
      init.body = JSON.stringify(body)
      init.headers = { ...init.headers, 'content-type': 'application/json' }
    }
    const res = await fetch(target, init)
    const text = await res.text()
    assert.ok(res.ok, `${method} ${path} → ${res.status} ${text}`)
    return (text ? JSON.parse(text) : {}) as T
  }

  mlflow<T = any>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: object) {
    return this.call<T>(method, `/api/2.0/mlflow${path}`, body)
  }

  railyard<T = any>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: object) {
    return this.call<T>(method, `/api/2.0/railyard${path}`, body)
  }

  async experiment(name: string): Promise<string> {
    return (await this.mlflow('POST', '/experiments/create', { name })).experiment_id
  }

  /** A run with params, tags and metric histories (`{ loss: [0.9, 0.5, 0.3] }` logs steps 0, 1, 2). */
  async run(opts: {
    experimentId: string
    name: string
    params?: Record<string, string>
    metrics?: Record<string, number[]>
    tags?: Record<string, string>
    commit?: string
    finish?: boolean
  }): Promise<{ runId: string; artifactUri: string }> {
    const created = await this.mlflow('POST', '/runs/create', {
      experiment_id: opts.experimentId,
      run_name: opts.name,
      start_time: Date.now() - 60_000,
      tags: Object.entries({
        'mlflow.source.git.commit': opts.commit ?? 'c0ffee0000000000000000000000000000000001',
        'mlflow.source.git.branch': 'main',
        'mlflow.source.name': 'train.py',
        ...opts.tags,
      }).map(([key, value]) => ({ key, value })),
    })
    const runId: string = created.run.info.run_id
    const now = Date.now()
    const metrics = Object.entries(opts.metrics ?? {}).flatMap(([key, values]) => values.map((value, step) => ({ key, value, step, timestamp: now + step })))
    await this.mlflow('POST', '/runs/log-batch', {
      run_id: runId,
      params: Object.entries(opts.params ?? {}).map(([key, value]) => ({ key, value })),
      metrics,
    })
    if (opts.finish !== false) await this.mlflow('POST', '/runs/update', { run_id: runId, status: 'FINISHED', end_time: now })
    return { runId, artifactUri: created.run.info.artifact_uri }
  }

  async logLines(runId: string, lines: string[], stream: 'stdout' | 'stderr' = 'stdout'): Promise<void> {
    await this.railyard('POST', '/runs/logs/append', { run_id: runId, lines: lines.map((line) => ({ stream, line })) })
  }

  async artifact(artifactUri: string, file: string, content: string): Promise<void> {
    const folder = artifactUri.replace(/^mlflow-artifacts:\/*/, '')
    const res = await fetch(`${this.url}/api/2.0/mlflow-artifacts/artifacts/${folder}/${file}`, { method: 'PUT', body: content })
    assert.equal(res.status, 200, await res.text())
  }

  /** Registers `runs:/<run>/model` as a new version and waits until it is READY. */
  async register(name: string, runId: string): Promise<string> {
    const res = await this.mlflow('POST', '/model-versions/create', { name, source: `runs:/${runId}/model`, run_id: runId })
    const version: string = res.model_version.version
    for (let i = 0; i < 200; i++) {
      const got = await this.mlflow('GET', '/model-versions/get', { name, version })
      if (got.model_version.status === 'READY') return version
      assert.notEqual(got.model_version.status, 'FAILED_REGISTRATION', got.model_version.status_message)
      await new Promise((r) => setTimeout(r, 25))
    }
    throw new Error('registration did not finish')
  }

  /** A local datastore over a temporary folder with `files`, and a dataset selecting all of them. */
  async dataset(name: string, files: Record<string, string>): Promise<{ root: string }> {
    const root = fs.mkdtempSync(path.join(this.dataDir, `${name}-`))
    for (const [file, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true })
      fs.writeFileSync(path.join(root, file), content)
    }
    await this.railyard('POST', '/datastores/create', { name: `${name}-store`, kind: 'local', config: { root } })
    await this.railyard('POST', '/datasets/create', { name, datastore: `${name}-store`, path: '', description: `${name} for the UI tests` })
    return { root }
  }

  async snapshot(name: string, message: string): Promise<{ id: string; short_id: string }> {
    return (await this.railyard('POST', '/datasets/snapshot', { name, message, stream: false })).version
  }

  /** Freezes the dataset for the run's experiment (first use) and records it as the run's input. */
  async useDataset(experimentId: string, runId: string, dataset: string): Promise<void> {
    await this.railyard('POST', '/datasets/resolve', { experiment_id: experimentId, dataset, run_id: runId, reuse_latest: true, context: 'training' })
  }
}
