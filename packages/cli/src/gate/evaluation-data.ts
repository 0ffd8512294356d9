import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { NotFoundError, type RailyardClient } from '@railyard/sdk'
import type { EvaluationSpec } from './policy.js'
import { InputError } from './gate-error.js'
import { shownPath } from './shown-path.js'

export type Row = Record<string, unknown>

/** Where the evaluation rows came from, exactly enough to reproduce the comparison. */
export interface EvaluationDataRef {
  kind: 'dataset' | 'frozen' | 'path'
  /** Railyard dataset name. */
  dataset?: string
  /** The dataset version's full id (`sha256:…`). */
  version?: string
  /** The experiment whose frozen version was used. */
  experiment?: string
  /** A local file's absolute path. */
  path?: string
  /** Files read: dataset paths with their content ids, or the local file with its sha256. */
  files: Array<{ path: string; oid: string; rows: number }>
  rows: number
}

export interface EvaluationData {
  rows: Row[]
  ref: EvaluationDataRef
}

/**
 * Reads the evaluation rows the policy names: files of a Railyard dataset version (verified
 * against their content ids), of the version frozen for an experiment, or a local JSON Lines file.
 * InputError when the dataset, version, freeze or file does not exist or a line is not a JSON object.
 */
export async function loadEvaluationData(spec: EvaluationSpec, client: RailyardClient): Promise<EvaluationData> {
  const src = spec.source
  if (src.kind === 'path') {
    let bytes: Buffer
    try {
      bytes = fs.readFileSync(src.path)
    } catch (err) {
      throw new InputError(`cannot read the evaluation file ${shownPath(src.path)}: ${(err as Error).message}`)
    }
    const rows = limit(parseJsonl(bytes.toString('utf8'), shownPath(src.path)), spec.limit)
    const oid = `sha256:${createHash('sha256').update(bytes).digest('hex')}`
    return { rows, ref: { kind: 'path', path: src.path, files: [{ path: src.path, oid, rows: rows.length }], rows: rows.length } }
  }

  let versionId: string
  let experiment: string | undefined
  if (src.kind === 'dataset') {
    try {
      versionId = (await client.datasets.getVersion(src.dataset, src.version)).id
    } catch (err) {
      if (err instanceof NotFoundError) throw new InputError(`evaluation dataset ${src.dataset} has no version '${src.version}': ${err.message}`)
      throw err
    }
  } else {
    const exp = await findExperiment(client, src.experiment)
    experiment = exp.name
    const freeze = (await client.datasets.freezes(exp.experiment_id, src.dataset)).find((f) => f.dataset === src.dataset)
    if (!freeze) {
      throw new InputError(`evaluation dataset ${src.dataset} is not frozen for experiment '${exp.name}': no run there has used it yet, so there is no version to evaluate on`)
    }
    versionId = freeze.version.id
  }

  const files = []
  for await (const f of client.datasets.files(src.dataset, versionId)) {
    if (spec.file ? f.path === spec.file : f.path.endsWith('.jsonl')) files.push(f)
  }
  if (files.length === 0) {
    throw new InputError(
      spec.file
        ? `evaluation dataset ${src.dataset} version ${versionId} has no file '${spec.file}'`
        : `evaluation dataset ${src.dataset} version ${versionId} has no .jsonl file (name one with evaluation.file)`,
    )
  }
  const rows: Row[] = []
  const read: EvaluationDataRef['files'] = []
  for (const f of files) {
    const text = (await client.datasets.readFile(src.dataset, versionId, f.path)).toString('utf8')
    const fileRows = parseJsonl(text, `${src.dataset}@${versionId.slice(7, 19)}/${f.path}`)
    read.push({ path: f.path, oid: f.oid, rows: fileRows.length })
    rows.push(...fileRows)
  }
  const kept = limit(rows, spec.limit)
  return { rows: kept, ref: { kind: src.kind, dataset: src.dataset, version: versionId, experiment, files: read, rows: kept.length } }
}

/** An experiment by name, or by id when a number is given. */
async function findExperiment(client: RailyardClient, nameOrId: string) {
  const byName = await client.experiments.findByName(nameOrId)
  if (byName) return byName
  if (/^\d+$/.test(nameOrId)) {
    try {
      return await client.experiments.get(nameOrId)
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err
    }
  }
  throw new InputError(`evaluation.frozen_for names experiment '${nameOrId}', which does not exist`)
}

/** JSON Lines of objects; blank lines are skipped. InputError naming the line otherwise. */
export function parseJsonl(text: string, where: string): Row[] {
  const rows: Row[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim()
    if (line === '') continue
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      throw new InputError(`${where}:${i + 1}: not valid JSON`)
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new InputError(`${where}:${i + 1}: expected a JSON object`)
    rows.push(value as Row)
  }
  if (rows.length === 0) throw new InputError(`${where}: no rows`)
  return rows
}

function limit(rows: Row[], max: number | undefined): Row[] {
  return max !== undefined && rows.length > max ? rows.slice(0, max) : rows
}
