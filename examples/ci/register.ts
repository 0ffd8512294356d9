// The "register" step of the CI templates: registers a logged model (`runs:/RUN_ID/model`) as the
// next version of a registered model (created if missing), waits until its files are copied
// (READY), prints the version number and writes it to --out.
//
//   tsx examples/ci/register.ts --model tweets-sentiment --uri "$(cat model-uri.txt)" --out version.txt
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { AlreadyExistsError, RailyardClient, registryOf } from '@railyard/sdk'

export async function register(client: RailyardClient, model: string, uri: string, description?: string): Promise<string> {
  const registry = registryOf(client)
  try {
    await registry.createModel(model)
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err
  }
  const runId = /^runs:\/([^/]+)\//.exec(uri)?.[1]
  const mv = await registry.createVersion({ name: model, source: uri, runId, description })
  return (await registry.waitUntilReady(model, mv.version, { timeoutMs: 120_000 })).version
}

// Run as a script (also through a symlinked checkout), not when imported.
if (process.argv[1] && fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url))) {
  const { values } = parseArgs({
    options: { model: { type: 'string' }, uri: { type: 'string' }, description: { type: 'string' }, out: { type: 'string' } },
  })
  if (!values.model || !values.uri) throw new Error('usage: register.ts --model NAME --uri runs:/RUN_ID/model [--description TEXT] [--out FILE]')
  const version = await register(new RailyardClient(), values.model, values.uri.trim(), values.description)
  console.log(version)
  if (values.out) fs.writeFileSync(values.out, `${version}\n`)
}
