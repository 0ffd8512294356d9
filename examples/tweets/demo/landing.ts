import fs from 'node:fs'
import path from 'node:path'
import { REPO } from './shell.js'

/** The example data in the repository. */
export const DATA = path.join(REPO, 'examples/tweets/data')

/** One delivery into the landing folder: which source file, how many of its rows, and where it lands. */
export interface Delivery {
  /** Relative to examples/tweets/data. */
  source: string
  /** Relative to the landing folder, e.g. `2020-03-19/covid-tweets.jsonl`. */
  target: string
  /** The first this many rows; all of them when absent. */
  rows?: number
}

/**
 * Writes a delivery into the landing folder the way an upstream job would drop a file into blob
 * storage: under a temporary name, renamed into place once complete, so a snapshot never sees half
 * a file. Returns the rows written.
 */
export function deliver(landing: string, d: Delivery): number {
  const lines = fs.readFileSync(path.join(DATA, d.source), 'utf8').split('\n').filter((l) => l !== '')
  const kept = d.rows === undefined ? lines : lines.slice(0, d.rows)
  const dest = path.join(landing, d.target)
  fs.mkdirSync(path.dirname(dest), { recursive: true })
  fs.writeFileSync(`${dest}.partial`, kept.join('\n') + '\n')
  fs.renameSync(`${dest}.partial`, dest)
  return kept.length
}
