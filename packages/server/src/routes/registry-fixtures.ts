import assert from 'node:assert/strict'
import type { FastifyInstance } from 'fastify'
import { call, type WireResponse } from '../testing/http.js'

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'

/** Raw-HTTP helpers the registry tests share: both API prefixes, uploads, and a trained run. */
export function registryClient(app: FastifyInstance, headers: Record<string, string> = {}) {
  const send = async (method: Method, url: string, payload?: Record<string, unknown>): Promise<WireResponse> => {
    if (Object.keys(headers).length === 0) return call(app, method, url, payload)
    let fullUrl = url
    let body: string | undefined
    if (method === 'GET' && payload) {
      const qs = new URLSearchParams()
      for (const [k, v] of Object.entries(payload)) for (const item of Array.isArray(v) ? v : [v]) qs.append(k, String(item))
      fullUrl += `?${qs}`
    } else if (payload) body = JSON.stringify(payload)
    const res = await app.inject({
      method,
      url: fullUrl,
      payload: body,
      headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    })
    let parsed: unknown = res.body
    try {
      parsed = JSON.parse(res.body)
    } catch {
      // raw file responses
    }
    return { status: res.statusCode, body: parsed, headers: res.headers }
  }
  return {
    mlflow: (method: Method, path: string, payload?: Record<string, unknown>) => send(method, `/api/2.0/mlflow${path}`, payload),
    ajax: (method: Method, path: string, payload?: Record<string, unknown>) => send(method, `/ajax-api/2.0/mlflow${path}`, payload),
    railyard: (method: Method, path: string, payload?: Record<string, unknown>) => send(method, `/api/2.0/railyard${path}`, payload),
  }
}

/** Uploads one artifact file of a run through MLflow's artifact proxy, as MLflow clients do. */
export async function uploadArtifact(app: FastifyInstance, artifactUri: string, path: string, bytes: Buffer, headers: Record<string, string> = {}): Promise<void> {
  const folder = artifactUri.replace(/^mlflow-artifacts:\/*/, '')
  const res = await app.inject({
    method: 'PUT',
    url: `/api/2.0/mlflow-artifacts/artifacts/${folder}/${path}`,
    payload: bytes,
    headers: { ...headers, 'content-type': 'application/octet-stream' },
  })
  assert.equal(res.statusCode, 200, res.body)
}

export interface TrainedRun {
  runId: string
  artifactUri: string
  experimentId: string
  files: Record<string, Buffer>
}

/**
 * A finished run like one `railyard run` records: git tags, params, metrics, a dataset input, and
 * a model directory uploaded through the artifact proxy under `model/`.
 */
export async function trainRun(
  app: FastifyInstance,
  opts: {
    experimentId?: string
    commit?: string
    params?: Record<string, string>
    metrics?: Record<string, number>
    dataset?: { name: string; digest: string; source: string }
    files?: Record<string, Buffer>
    /** Sent with every request (e.g. a token when the app runs with authentication). */
    headers?: Record<string, string>
  } = {},
): Promise<TrainedRun> {
  const api = registryClient(app, opts.headers).mlflow
  const created = await api('POST', '/runs/create', {
    experiment_id: opts.experimentId ?? '0',
    start_time: Date.now(),
    tags: [
      { key: 'mlflow.source.git.commit', value: opts.commit ?? 'a'.repeat(40) },
      { key: 'mlflow.source.git.repoURL', value: 'https://example.com/team/churn.git' },
      { key: 'mlflow.source.git.branch', value: 'main' },
      { key: 'mlflow.source.name', value: 'train.ts' },
      { key: 'mlflow.source.type', value: 'LOCAL' },
    ],
  })
  assert.equal(created.status, 200, JSON.stringify(created.body))
  const runId: string = created.body.run.info.run_id
  const artifactUri: string = created.body.run.info.artifact_uri
  const now = Date.now()
  const batch = await api('POST', '/runs/log-batch', {
    run_id: runId,
    params: Object.entries(opts.params ?? { lr: '0.1', depth: '6' }).map(([key, value]) => ({ key, value })),
    metrics: Object.entries(opts.metrics ?? { auc: 0.91, loss: 0.3 }).map(([key, value]) => ({ key, value, timestamp: now, step: 0 })),
  })
  assert.equal(batch.status, 200, JSON.stringify(batch.body))
  const dataset = opts.dataset ?? { name: 'churn-train', digest: 'd1g357', source: '{"uri": "s3://data/churn/v1"}' }
  const inputs = await api('POST', '/runs/log-inputs', {
    run_id: runId,
    datasets: [{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset: { ...dataset, source_type: 's3' } }],
  })
  assert.equal(inputs.status, 200, JSON.stringify(inputs.body))
  const files = opts.files ?? {
    'MLmodel': Buffer.from('artifact_path: model\nflavors:\n  railyard_js:\n    module: predict.mjs\n'),
    'predict.mjs': Buffer.from('export async function load() { return { predict: async (xs) => xs.map(() => 1) } }\n'),
    'weights/w.bin': Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 251)),
  }
  for (const [path, bytes] of Object.entries(files)) await uploadArtifact(app, artifactUri, `model/${path}`, bytes, opts.headers)
  await api('POST', '/runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() })
  return { runId, artifactUri, experimentId: opts.experimentId ?? '0', files }
}

/** Polls a version until it leaves PENDING_REGISTRATION. */
export async function waitUntilRegistered(
  get: () => Promise<WireResponse>,
  timeoutMs = 10_000,
): Promise<WireResponse> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const res = await get()
    if (res.body?.model_version?.status !== 'PENDING_REGISTRATION') return res
    if (Date.now() > deadline) throw new Error('registration did not finish in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}
