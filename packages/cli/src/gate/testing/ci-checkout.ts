import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { REPO } from './tweets.js'

/**
 * The checkout a CI template's commands run in: the repository's files (linked, not copied), with
 * the files the steps write kept apart from the repository. Remove it with `fs.rmSync`.
 */
export function makeCheckout(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-ci-'))
  for (const entry of ['examples', 'packages', 'node_modules', 'package.json']) fs.symlinkSync(path.join(REPO, entry), path.join(dir, entry))
  return dir
}

/**
 * The CI machine's environment: ours without anything of Railyard's or the CI services' (no
 * tracking URI, no token) and with no node_modules on PATH (the templates put it there), a model
 * cache of its own.
 */
export function runnerEnv(cacheDir: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(MLFLOW_|RAILYARD_|GITHUB_|GITLAB_|CI_|NODE_OPTIONS$)/.test(k)) env[k] = v
  env.PATH = (process.env.PATH ?? '').split(path.delimiter).filter((p) => !p.includes('node_modules')).join(path.delimiter)
  env.RAILYARD_MODEL_CACHE = cacheDir
  env.NO_COLOR = '1'
  return env
}
