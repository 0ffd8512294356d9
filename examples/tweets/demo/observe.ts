import { deliveryOf, registryOf, type RailyardClient } from '@railyard/sdk'

/** What the story checks after each step, read from the servers rather than from command output. */

/** The version `name@alias` points to, or undefined when the alias is not set. */
export async function aliasTarget(client: RailyardClient, name: string, alias = 'production'): Promise<string | undefined> {
  const model = await registryOf(client).getModel(name)
  return model.aliases?.find((a) => a.alias === alias)?.version
}

/** Scores one tweet on the model server; returns the serving version header and the predicted mood. */
export async function askModel(serveUrl: string, text: string): Promise<{ version: string; label: string }> {
  const res = await fetch(`${serveUrl}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [text] }),
  })
  if (!res.ok) throw new Error(`POST ${serveUrl}/invocations answered ${res.status}: ${await res.text()}`)
  const body = (await res.json()) as { predictions: Array<{ label: string }> }
  return { version: res.headers.get('x-railyard-model-version') ?? '', label: body.predictions[0].label }
}

/**
 * Waits until the model server answers with `version` (it follows the alias by polling, so a move
 * shows up within its poll interval plus the load); returns the version it ended on.
 */
export async function waitForServedVersion(serveUrl: string, version: string, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  let seen = ''
  while (Date.now() < deadline) {
    seen = (await askModel(serveUrl, 'hello')).version
    if (seen === version) return seen
    await new Promise((r) => setTimeout(r, 100))
  }
  return seen
}

/** The gate's computed metrics for a version (its newest recorded result against the alias). */
export async function gateMetrics(
  client: RailyardClient,
  name: string,
  version: string,
  alias = 'production',
): Promise<{ verdict: string; challenger: Record<string, number>; champion?: Record<string, number>; evaluationVersion?: string }> {
  const delivery = deliveryOf(client)
  const { items } = await delivery.listGates(name, { version, againstAlias: alias, maxResults: 1 })
  if (!items[0]) throw new Error(`no gate result recorded on ${name} version ${version}`)
  const full = await delivery.getGate(items[0].id)
  const report = full.report as { metrics?: { challenger?: Record<string, number>; champion?: Record<string, number> }; data?: { version?: string } }
  return {
    verdict: full.verdict,
    challenger: report.metrics?.challenger ?? {},
    champion: report.metrics?.champion,
    evaluationVersion: report.data?.version,
  }
}

/** The version id of `dataset` a run recorded as its input (the digest is the id's first 12 hex digits). */
export async function runDatasetDigest(client: RailyardClient, runId: string, dataset: string): Promise<string | undefined> {
  const run = await client.runs.get(runId)
  return run.inputs?.dataset_inputs?.find((i) => i.dataset.name === dataset)?.dataset.digest
}

/** What a version was trained on and with, from its lineage. */
export async function lineageOf(client: RailyardClient, name: string, version: string) {
  const lineage = await registryOf(client).lineage(name, version)
  const params = Object.fromEntries((lineage.params ?? []).map((p) => [p.key, p.value]))
  const training = lineage.dataset_inputs?.find((i) => i.tags?.some((t) => t.key === 'mlflow.data.context' && t.value === 'training'))
  return { runId: lineage.run?.run_id, commit: lineage.code?.commit, params, trainingDigest: training?.dataset.digest }
}

/** The steps at which a run logged a metric, in order (the learning curve's x axis). */
export async function metricSteps(client: RailyardClient, runId: string, key: string): Promise<number[]> {
  return (await client.runs.metricHistory(runId, key)).map((m) => m.step).sort((a, b) => a - b)
}
