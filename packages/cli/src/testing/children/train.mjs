// A training script as `railyard run` sees one: it finds its run in MLFLOW_* variables, logs
// metrics and a param over plain HTTP, and prints to both streams. Usage: train.mjs [exit-code]
const uri = process.env.MLFLOW_TRACKING_URI
const runId = process.env.MLFLOW_RUN_ID

async function post(path, body) {
  const res = await fetch(`${uri}/api/2.0/mlflow${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
}

console.log(`env run=${runId} experiment=${process.env.MLFLOW_EXPERIMENT_ID} railyard=${process.env.RAILYARD_RUN_ID === runId}`)
await post('/runs/log-parameter', { run_id: runId, key: 'lr', value: '0.01' })
for (let step = 0; step < 3; step++) {
  await post('/runs/log-metric', { run_id: runId, key: 'loss', value: 1 / (step + 1), timestamp: Date.now(), step })
  console.log(`epoch ${step} loss=${(1 / (step + 1)).toFixed(3)}`)
  if (step === 1) console.error('warning: learning rate is high')
}
const code = Number(process.argv[2] ?? 0)
if (code) console.error(`giving up with exit code ${code}`)
else console.log('done')
process.exitCode = code
