import fs from 'node:fs'
import { Seeder } from './seed.js'

export interface Scenario {
  churnExperiment: string
  sentimentExperiment: string
  runs: { baseline: string; deeper: string; wide: string; failed: string; bert: string }
  tweetsV1: string
  tweetsV2: string
}

const COMMIT_A = '3f2a9c1d7e5b4a8f9c0d1e2f3a4b5c6d7e8f9a0b'
const COMMIT_B = '8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c'

/**
 * What a small team's server holds after a week: a versioned dataset with two versions, two
 * experiments whose runs used them, and a model with version 1 in production and a better
 * version 2 that passed its gate but is not deployed yet.
 */
export async function seedScenario(server: { url: string; dataDir: string }): Promise<Scenario> {
  const s = new Seeder(server.url, server.dataDir)
  const { root } = await s.dataset('tweets', {
    '2024-04/part-0.jsonl': '{"text":"great product"}\n'.repeat(40),
    '2024-04/part-1.jsonl': '{"text":"never again"}\n'.repeat(35),
    'labels.csv': 'id,label\n1,pos\n2,neg\n',
  })
  const tweetsV1 = await s.snapshot('tweets', 'April tweets')

  const churnExperiment = await s.experiment('churn-model')
  const baseline = await s.run({
    experimentId: churnExperiment,
    name: 'baseline',
    params: { lr: '0.1', depth: '4', optimizer: 'sgd' },
    metrics: { auc: [0.7, 0.78, 0.81], loss: [0.9, 0.6, 0.45] },
    tags: { team: 'growth' },
    commit: COMMIT_A,
  })
  const deeper = await s.run({
    experimentId: churnExperiment,
    name: 'deeper',
    params: { lr: '0.05', depth: '8', optimizer: 'adam' },
    metrics: { auc: [0.72, 0.83, 0.88, 0.9], loss: [0.85, 0.5, 0.34, 0.3] },
    tags: { team: 'growth' },
    commit: COMMIT_B,
  })
  const wide = await s.run({
    experimentId: churnExperiment,
    name: 'wide',
    params: { lr: '0.1', depth: '6', optimizer: 'adam' },
    metrics: { auc: [0.69, 0.8, 0.86], loss: [0.95, 0.58, 0.4] },
    tags: { team: 'risk' },
    commit: COMMIT_B,
  })
  const failed = await s.run({ experimentId: churnExperiment, name: 'lr-too-high', params: { lr: '3.0', depth: '4', optimizer: 'sgd' }, metrics: { loss: [5.2] }, finish: false })
  await s.mlflow('POST', '/runs/update', { run_id: failed.runId, status: 'FAILED', end_time: Date.now() })
  for (const run of [baseline, deeper, wide]) await s.useDataset(churnExperiment, run.runId, 'tweets')
  await s.logLines(deeper.runId, ['loading tweets@' + tweetsV1.short_id, 'epoch 1/4 loss=0.85 auc=0.72', 'epoch 2/4 loss=0.50 auc=0.83', 'epoch 3/4 loss=0.34 auc=0.88', 'epoch 4/4 loss=0.30 auc=0.90', 'saved model/'])
  await s.logLines(deeper.runId, ['UserWarning: class weights are unbalanced'], 'stderr')

  for (const [run, weights] of [
    [baseline, 'baseline-weights'],
    [deeper, 'deeper-weights-v2'],
  ] as const) {
    await s.artifact(run.artifactUri, 'model/MLmodel', 'artifact_path: model\nflavors:\n  railyard_js:\n    module: predict.mjs\n')
    await s.artifact(run.artifactUri, 'model/predict.mjs', 'export async function load() { return { predict: async (xs) => xs.map(() => 1) } }\n')
    await s.artifact(run.artifactUri, 'model/weights.bin', weights.repeat(500))
    await s.artifact(run.artifactUri, 'plots/roc.csv', 'fpr,tpr\n0,0\n0.1,0.7\n1,1\n')
  }

  await s.mlflow('POST', '/registered-models/create', { name: 'churn', description: 'Predicts which customers leave next month.' })
  const v1 = await s.register('churn', baseline.runId)
  await s.railyard('POST', '/gates/record', { name: 'churn', version: v1, against_alias: 'production', verdict: 'pass', summary: 'first deployment: auc 0.81 ≥ 0.75' })
  await s.railyard('POST', '/deployments/deploy', { name: 'churn', version: v1, reason: 'first model' })
  const v2 = await s.register('churn', deeper.runId)
  await s.railyard('POST', '/gates/record', {
    name: 'churn',
    version: v2,
    against_alias: 'production',
    champion_version: v1,
    verdict: 'pass',
    summary: 'auc +0.09 vs production v1, loss −0.15',
    markdown: '## Gate: churn v2 vs production v1\n\n| metric | v1 | v2 |\n|---|---|---|\n| auc | 0.81 | 0.90 |\n| loss | 0.45 | 0.30 |\n\n**pass**',
  })
  await s.mlflow('POST', '/registered-models/alias', { name: 'churn', alias: 'staging', version: v2 })

  // May's data: one file changed, one added; a second experiment freezes the new version.
  fs.writeFileSync(`${root}/labels.csv`, 'id,label\n1,pos\n2,neg\n3,pos\n')
  fs.mkdirSync(`${root}/2024-05`, { recursive: true })
  fs.writeFileSync(`${root}/2024-05/part-0.jsonl`, '{"text":"love the update"}\n'.repeat(50))
  const tweetsV2 = await s.snapshot('tweets', 'May tweets')
  const sentimentExperiment = await s.experiment('tweet-sentiment')
  const bert = await s.run({ experimentId: sentimentExperiment, name: 'bert-small', params: { model: 'bert-small', epochs: '3' }, metrics: { accuracy: [0.81, 0.86, 0.88] } })
  await s.useDataset(sentimentExperiment, bert.runId, 'tweets')

  return {
    churnExperiment,
    sentimentExperiment,
    runs: { baseline: baseline.runId, deeper: deeper.runId, wide: wide.runId, failed: failed.runId, bert: bert.runId },
    tweetsV1: tweetsV1.id,
    tweetsV2: tweetsV2.id,
  }
}
