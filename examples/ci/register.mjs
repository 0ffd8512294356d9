// The "register" step of the CI templates: registers a logged model (`runs:/RUN_ID/model`) as the
// next version of a registered model (created if missing) through the MLflow-compatible REST API,
// waits until its files are copied (READY), prints the version number and writes it to --out.
// Plain Node.js with no dependencies, so it starts in a blink; any MLflow client would do the same.
//
//   node examples/ci/register.mjs --model tweets-sentiment --uri "$(cat model-uri.txt)" --out version.txt
import fs from 'node:fs'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: { model: { type: 'string' }, uri: { type: 'string' }, description: { type: 'string' }, out: { type: 'string' } },
})
const name = values.model
const uri = values.uri?.trim()
if (!name || !uri) {
  console.error('usage: register.mjs --model NAME --uri runs:/RUN_ID/model [--description TEXT] [--out FILE]')
  process.exit(2)
}
const base = (process.env.RAILYARD_TRACKING_URI || process.env.MLFLOW_TRACKING_URI || 'http://127.0.0.1:5000').replace(/\/+$/, '')
const auth = process.env.MLFLOW_TRACKING_TOKEN ? { authorization: `Bearer ${process.env.MLFLOW_TRACKING_TOKEN}` } : {}

async function call(method, path, body) {
  const query = method === 'GET' ? `?${new URLSearchParams(body)}` : ''
  const res = await fetch(`${base}/api/2.0/mlflow${path}${query}`, {
    method,
    headers: { 'content-type': 'application/json', ...auth },
    body: method === 'GET' ? undefined : JSON.stringify(body),
  })
  const json = await res.json().catch(() => ({}))
  if (!res.ok) throw Object.assign(new Error(`${method} ${path}: ${json.message ?? res.statusText} (${json.error_code ?? res.status})`), { code: json.error_code })
  return json
}

try {
  await call('POST', '/registered-models/create', { name })
} catch (err) {
  if (err.code !== 'RESOURCE_ALREADY_EXISTS') throw err
}
const runId = /^runs:\/([^/]+)\//.exec(uri)?.[1]
let { model_version: mv } = await call('POST', '/model-versions/create', { name, source: uri, run_id: runId, description: values.description })
const deadline = Date.now() + 120_000
while (mv.status === 'PENDING_REGISTRATION') {
  if (Date.now() > deadline) throw new Error(`${name} version ${mv.version} is still being registered after 120 s`)
  await new Promise((resolve) => setTimeout(resolve, 250))
  mv = (await call('GET', '/model-versions/get', { name, version: mv.version })).model_version
}
if (mv.status !== 'READY') throw new Error(`registering ${name} version ${mv.version} failed: ${mv.status_message ?? mv.status}`)
console.log(mv.version)
if (values.out) fs.writeFileSync(values.out, `${mv.version}\n`)
