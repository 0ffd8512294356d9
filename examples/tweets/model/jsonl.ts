import fs from 'node:fs'

/** One labeled tweet, as the datasets in examples/tweets/data store them. */
export interface LabeledTweet {
  text: string
  label: string
}

/**
 * Reads a JSON Lines file of `{ text, label }` rows (other fields are kept). `limit` stops after
 * that many rows. A line that is not JSON or lacks a string text and label throws, naming the line.
 */
export function readJsonl(file: string, opts: { limit?: number } = {}): LabeledTweet[] {
  const rows: LabeledTweet[] = []
  const lines = fs.readFileSync(file, 'utf8').split('\n')
  for (let i = 0; i < lines.length && rows.length < (opts.limit ?? Infinity); i++) {
    if (lines[i] === '') continue
    let row: unknown
    try {
      row = JSON.parse(lines[i])
    } catch {
      throw new Error(`${file}:${i + 1}: not JSON`)
    }
    const r = row as Partial<LabeledTweet>
    if (typeof r.text !== 'string' || typeof r.label !== 'string') throw new Error(`${file}:${i + 1}: needs string fields text and label`)
    rows.push(r as LabeledTweet)
  }
  return rows
}
