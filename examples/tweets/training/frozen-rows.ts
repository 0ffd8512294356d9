import type { UsedDataset } from '@railyard/sdk'
import type { LabeledTweet } from '../model/jsonl.js'

/** The labeled tweets of a dataset version, with the files they came from. */
export interface FrozenRows {
  rows: LabeledTweet[]
  /** The .jsonl files read, in path order, with their row counts. */
  files: Array<{ path: string; rows: number }>
}

/**
 * Reads every .jsonl file of the version a run uses, through Railyard: each file's bytes are
 * checked against the hash recorded in the version, so a file that changed in the landing folder
 * since the snapshot fails the run instead of silently training on other data.
 */
export async function readFrozenRows(data: UsedDataset): Promise<FrozenRows> {
  const rows: LabeledTweet[] = []
  const files: FrozenRows['files'] = []
  for (const path of await data.files.paths()) {
    if (!path.endsWith('.jsonl')) continue
    const text = (await data.readFile(path)).toString('utf8')
    const before = rows.length
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return
      const row = JSON.parse(line) as Partial<LabeledTweet>
      if (typeof row.text !== 'string' || typeof row.label !== 'string') throw new Error(`${data.name}/${path}:${i + 1}: needs string fields text and label`)
      rows.push({ text: row.text, label: row.label })
    })
    files.push({ path, rows: rows.length - before })
  }
  if (rows.length === 0) throw new Error(`dataset ${data.name} version ${data.version.short_id} has no .jsonl rows`)
  return { rows, files }
}

/** A reproducible shuffle (mulberry32 seeded Fisher–Yates), so a seed names one order of the rows. */
export function shuffled<T>(items: T[], seed: number): T[] {
  const out = items.slice()
  let state = seed >>> 0
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}
