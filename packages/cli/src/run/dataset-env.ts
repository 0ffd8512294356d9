import fs from 'node:fs'
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { RailyardClient } from '@railyard/sdk'
import { UsageError } from '../cli-errors.js'

/** What `railyard run --dataset` hands to the command. */
export interface DatasetEnv {
  /** RAILYARD_DATASET_<NAME>_FILES and RAILYARD_DATASET_<NAME>_VERSION for each dataset. */
  env: Record<string, string>
  /** One line per dataset for the run's own messages: name, version, file count. */
  summary: string[]
  /** Removes the file lists once the command has ended. */
  cleanup(): Promise<void>
}

/**
 * `tweets-2024` → `TWEETS_2024`: the part of the variable names that names the dataset. Anything but
 * letters and digits becomes `_`, as shells only accept those in variable names.
 */
export function envNameOf(dataset: string): string {
  return dataset.toUpperCase().replace(/[^A-Z0-9]/g, '_')
}

/** `--dataset a,b --dataset c` → [a, b, c]; checks that no two map to the same variables. */
export function datasetNames(values: string[]): string[] {
  const names = [...new Set(values.flatMap((v) => v.split(',')).map((n) => n.trim()).filter(Boolean))]
  const seen = new Map<string, string>()
  for (const name of names) {
    const key = envNameOf(name)
    const other = seen.get(key)
    if (other) throw new UsageError(`datasets '${other}' and '${name}' would both export RAILYARD_DATASET_${key}_*; rename one`)
    seen.set(key, name)
  }
  return names
}

/**
 * Fails (NotFoundError) when a dataset does not exist, with read-only calls: `railyard run` checks
 * before it creates the run, so a mistyped name leaves no run behind. The freeze itself waits for
 * the run, as it records which run froze it.
 */
export async function checkDatasetsExist(client: RailyardClient, names: string[]): Promise<void> {
  await Promise.all(names.map((name) => client.datasets.get(name)))
}

/**
 * Resolves each dataset's frozen version for the run's experiment (freezing one on first use) and
 * records it as the run's input, then writes each version's file list, one relative path per line,
 * to a file the command can read. The lists are streamed from the manifests, so a million-file
 * version costs no memory here.
 */
export async function exportDatasets(
  client: RailyardClient,
  run: { runId: string; experimentId: string },
  names: string[],
): Promise<DatasetEnv> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), `railyard-run-${run.runId.slice(0, 12)}-`))
  const cleanup = () => fsp.rm(dir, { recursive: true, force: true })
  try {
    const env: Record<string, string> = {}
    const summary: string[] = []
    for (const name of names) {
      const { freeze, created } = await client.datasets.resolve(run.experimentId, name, { runId: run.runId, context: 'training' })
      const listPath = path.join(dir, `${envNameOf(name).toLowerCase()}.files`)
      await writeFileList(client.datasets.files(name, freeze.version.id), listPath)
      const key = envNameOf(name)
      env[`RAILYARD_DATASET_${key}_FILES`] = listPath
      env[`RAILYARD_DATASET_${key}_VERSION`] = freeze.version.id
      summary.push(`${name} at version ${freeze.version.short_id} (${freeze.version.file_count} files${created ? ', frozen now' : ''})`)
    }
    return { env, summary, cleanup }
  } catch (err) {
    await cleanup()
    throw err
  }
}

/**
 * `exportDatasets` for a run `railyard run` created or joined: if the data cannot be resolved even
 * though each dataset exists (say its first snapshot selects no files), the run ends FAILED.
 */
export async function exportDatasetsForRun(
  client: RailyardClient,
  run: { runId: string; experimentId: string },
  names: string[],
): Promise<DatasetEnv> {
  if (names.length === 0) return { env: {}, summary: [], cleanup: async () => {} }
  try {
    return await exportDatasets(client, run, names)
  } catch (err) {
    await client.runs.update({ run_id: run.runId, status: 'FAILED', end_time: Date.now() }).catch(() => {})
    throw err
  }
}

async function writeFileList(files: AsyncIterable<{ path: string }>, dest: string): Promise<void> {
  const out = fs.createWriteStream(dest, { flags: 'wx' })
  const failed = new Promise<never>((_, reject) => out.once('error', reject))
  failed.catch(() => {})
  let chunk = ''
  for await (const f of files) {
    chunk += `${f.path}\n`
    if (chunk.length >= 1 << 16) {
      if (!out.write(chunk)) await Promise.race([new Promise<void>((resolve) => out.once('drain', () => resolve())), failed])
      chunk = ''
    }
  }
  out.end(chunk)
  await Promise.race([new Promise<void>((resolve) => out.once('finish', () => resolve())), failed])
}
