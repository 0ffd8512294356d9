import fs from 'node:fs'
import path from 'node:path'
import type { RailyardClient } from '@railyard/sdk'
import { logModel, startRun } from '@railyard/sdk'

/** How a tiny test model behaves. */
export interface TinyModelSpec {
  /** Outputs are `{ y: x * factor }`: each version is told apart by its factor. */
  factor: number
  /** load() throws. */
  throwOnLoad?: boolean
  /** predict() of the saved input example returns one output too few (a failed check), while other inputs work. */
  breakExample?: boolean
  /** predict() waits this long, in ms (to keep requests in flight across a swap). */
  delayMs?: number
  /** close() appends `closed <factor> <in-flight>` to this file. */
  closeLog?: string
}

/**
 * Writes a railyard_js model: input `{x: number}` (or a bare number), output `{y}`. An input with
 * `x: 13` makes predict throw a plain Error (a model bug, 500); `x: -1` makes it throw an error
 * with status 400 (the model saying the input is wrong).
 */
export function writeTinyModel(dir: string, spec: TinyModelSpec): string {
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(spec))
  fs.writeFileSync(
    path.join(dir, 'predict.mjs'),
    `import fs from 'node:fs'
export async function load(dir) {
  const spec = JSON.parse(fs.readFileSync(dir + '/spec.json', 'utf8'))
  if (spec.throwOnLoad) throw new Error('this version cannot load (on purpose)')
  let inFlight = 0
  return {
    async predict(rows) {
      inFlight++
      try {
        if (spec.delayMs) await new Promise((r) => setTimeout(r, spec.delayMs))
        const out = rows.map((r) => {
          const x = typeof r === 'number' ? r : r.x
          if (x === 13) throw new Error('model bug: unlucky number')
          if (x === -1) throw Object.assign(new Error('x must not be negative'), { status: 400 })
          return { y: x * spec.factor }
        })
        if (spec.breakExample && rows.length === 2 && rows[0].x === 1 && rows[1].x === 2) out.pop()
        return out
      } finally {
        inFlight--
      }
    },
    close() {
      if (spec.closeLog) fs.appendFileSync(spec.closeLog, 'closed ' + spec.factor + ' ' + inFlight + '\\n')
    },
  }
}
`,
  )
  return dir
}

/** The input example every tiny model is saved with. */
export const TINY_EXAMPLE = [{ x: 1 }, { x: 2 }]

/**
 * Logs a tiny model in a new run and registers it as the next version of `name`; returns the
 * version number. The run records a dataset input, for /version's dataset versions.
 */
export async function registerTinyModel(client: RailyardClient, name: string, dir: string, spec: TinyModelSpec): Promise<string> {
  writeTinyModel(dir, spec)
  const run = await startRun({ client, experimentName: `serving-${name}` })
  await run.logInputs([
    {
      dataset: { name: 'numbers', digest: `d${spec.factor}`, source_type: 'local', source: '{"uri": "file:///numbers"}' },
      tags: [{ key: 'mlflow.data.context', value: 'training' }],
    },
  ])
  // The saved example must pass saveModel's own prediction, so a broken check is written afterwards.
  const logged = await logModel(run, dir, {
    flavor: 'railyard_js',
    inputExample: TINY_EXAMPLE,
    outputExample: [{ y: 1 }, { y: 2 }],
    registeredModelName: name,
  })
  await run.end()
  return logged.modelVersion!.version
}
