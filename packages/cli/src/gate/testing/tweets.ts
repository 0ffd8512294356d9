import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { AlreadyExistsError, registryOf, type RailyardClient } from '@railyard/sdk'
import { trainTweets } from '../../../../../examples/ci/train.js'

/** The repository root, where the CI templates run their commands. */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..')
export const VAL_FILE = path.join(REPO, 'examples/tweets/data/tweeteval-sentiment/val.jsonl')

/** The first `rows` lines of TweetEval's validation split, as JSON Lines text. */
export function valSlice(rows: number, from = 0): string {
  return `${fs.readFileSync(VAL_FILE, 'utf8').split('\n').filter(Boolean).slice(from, from + rows).join('\n')}\n`
}

/**
 * A Railyard dataset over `dir/<dataset>/val.jsonl` (a local datastore named after the dataset)
 * holding `rows` validation tweets; returns the version id of its pinned snapshot (pinned, so its
 * bytes stay readable after the file changes).
 */
export async function seedEvalDataset(client: RailyardClient, dir: string, dataset: string, rows: number, from = 0): Promise<string> {
  fs.mkdirSync(path.join(dir, dataset), { recursive: true })
  fs.writeFileSync(path.join(dir, dataset, 'val.jsonl'), valSlice(rows, from))
  await client.datasets.createDatastore({ name: `${dataset}-store`, kind: 'local', config: { root: dir } })
  await client.datasets.create({ name: dataset, datastore: `${dataset}-store`, path: dataset })
  return (await client.datasets.snapshot(dataset, { pin: true })).version.id
}

/** Another version of the dataset: its file rewritten with other rows, snapshotted. */
export async function changeEvalDataset(client: RailyardClient, dir: string, dataset: string, rows: number, from: number): Promise<string> {
  fs.writeFileSync(path.join(dir, dataset, 'val.jsonl'), valSlice(rows, from))
  return (await client.datasets.snapshot(dataset, { pin: true })).version.id
}

/**
 * Trains the example classifier on `rows` tweets in `experiment` (scoring it on the evaluation
 * dataset frozen there, when named), registers it as the next version of `model`, and returns the
 * version number. 2,000 rows make a clearly better model than 100.
 */
export async function trainVersion(
  client: RailyardClient,
  opts: { model: string; rows: number; experiment: string; evalDataset?: string },
): Promise<string> {
  const trained = await trainTweets({ client, rows: opts.rows, experimentName: opts.experiment, evalDataset: opts.evalDataset })
  const registry = registryOf(client)
  await registry.createModel(opts.model).catch((err) => {
    if (!(err instanceof AlreadyExistsError)) throw err
  })
  const mv = await registry.createVersion({ name: opts.model, source: trained.modelUri, runId: trained.runId })
  return (await registry.waitUntilReady(opts.model, mv.version)).version
}
