import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import YAML from 'yaml'
import { evalAzure, evalGithub, interpolateGithub } from './ci-expressions.js'

/**
 * Runs a CI template's own steps on this machine the way the CI service would: the `run:` /
 * `script:` text as written, in bash, with the environment the template sets, its conditions
 * evaluated, and the files and logging commands through which steps pass values on
 * (GITHUB_OUTPUT / GITHUB_ENV / GITHUB_PATH; `##vso[task.setvariable]`, `##vso[task.prependpath]`).
 * Marketplace actions and tasks (checkout, setup-node, artifact upload) cannot run here and are
 * reported as skipped; steps named in `skip` (dependency installation, which the checkout already
 * has) are skipped too.
 */

export interface StepRun {
  name: string
  /** `ran`, `skipped` (its condition was false), or `not-runnable` (an action/task, or in `skip`). */
  status: 'ran' | 'skipped' | 'not-runnable'
  exitCode?: number
  stdout: string
  stderr: string
}

export interface PipelineRun {
  steps: StepRun[]
  failed: boolean
  step(name: string): StepRun
}

interface CommonOptions {
  /** Where the commands run: the repository checkout. */
  cwd: string
  /** The runner machine's environment (PATH, HOME, caches …), before the template's own. */
  baseEnv: Record<string, string>
  /** Step names not to run. */
  skip?: string[]
  /**
   * New values for variables the template defines (its `env:` / `variables:`), as a pull request
   * editing them would set them; the commands stay as written.
   */
  override?: Record<string, string>
}

export interface GithubOptions extends CommonOptions {
  event: 'push' | 'pull_request'
  ref: string
  sha: string
  repository: string
  apiUrl: string
  prNumber?: number
  secrets: Record<string, string>
  vars: Record<string, string>
}

export async function runGithubWorkflow(file: string, opts: GithubOptions): Promise<PipelineRun> {
  const wf = YAML.parse(fs.readFileSync(file, 'utf8'))
  const jobs = Object.values(wf.jobs ?? {}) as any[]
  if (jobs.length !== 1) throw new Error(`${file}: expected one job, found ${jobs.length}`)
  const job = jobs[0]
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-gha-'))
  const files = { output: path.join(scratch, 'output'), env: path.join(scratch, 'env'), path: path.join(scratch, 'path') }
  const status = { failed: false }
  const steps: Record<string, { outputs: Record<string, string>; outcome: string }> = {}
  const addedEnv: Record<string, string> = {}
  const addedPath: string[] = []
  const event = { pull_request: opts.prNumber === undefined ? undefined : { number: opts.prNumber } }
  const contexts: Record<string, unknown> = {
    github: { event_name: opts.event, ref: opts.ref, sha: opts.sha, repository: opts.repository, api_url: opts.apiUrl, event },
    secrets: { GITHUB_TOKEN: 'ghs-test-token', ...opts.secrets },
    vars: opts.vars,
    steps,
    env: {},
  }
  const lookup = (p: string) => {
    let v: unknown = contexts
    for (const part of p.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined
    return v === undefined ? '' : (v as string | number | boolean | null)
  }
  const ctx = { lookup, status }
  const evalEnv = (env: Record<string, string> | undefined) =>
    Object.fromEntries(Object.entries(env ?? {}).map(([k, v]) => [k, interpolateGithub(String(v), ctx)]))
  const workflowEnv = { ...evalEnv(wf.env), ...evalEnv(job.env), ...opts.override }

  const runs: StepRun[] = []
  for (const [i, step] of (job.steps as any[]).entries()) {
    const name: string = step.name ?? step.uses ?? `step ${i + 1}`
    const condition = step.if === undefined ? 'success()' : String(step.if).replace(/^\$\{\{([\s\S]*)\}\}$/, '$1')
    if (!step.run || opts.skip?.includes(name)) {
      runs.push({ name, status: 'not-runnable', stdout: '', stderr: '' })
      continue
    }
    const env = { ...workflowEnv, ...addedEnv }
    contexts.env = env
    if (!evalGithub(condition, ctx)) {
      runs.push({ name, status: 'skipped', stdout: '', stderr: '' })
      if (step.id) steps[step.id] = { outputs: {}, outcome: 'skipped' }
      continue
    }
    for (const f of Object.values(files)) fs.writeFileSync(f, '')
    const script = interpolateGithub(String(step.run), ctx)
    const stepEnv = {
      ...opts.baseEnv,
      PATH: [...addedPath.slice().reverse(), opts.baseEnv.PATH].join(path.delimiter),
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: opts.event,
      GITHUB_REF: opts.ref,
      GITHUB_SHA: opts.sha,
      GITHUB_REPOSITORY: opts.repository,
      GITHUB_API_URL: opts.apiUrl,
      GITHUB_WORKSPACE: opts.cwd,
      GITHUB_OUTPUT: files.output,
      GITHUB_ENV: files.env,
      GITHUB_PATH: files.path,
      ...env,
      ...evalEnv(step.env),
    }
    // GitHub's default shell on Linux runners.
    const result = await bash(['--noprofile', '--norc', '-eo', 'pipefail'], script, stepEnv, opts.cwd, scratch)
    const outputs = readKeyValues(files.output)
    Object.assign(addedEnv, readKeyValues(files.env))
    addedPath.push(...fs.readFileSync(files.path, 'utf8').split('\n').filter(Boolean))
    if (step.id) steps[step.id] = { outputs, outcome: result.exitCode === 0 ? 'success' : 'failure' }
    if (result.exitCode !== 0) status.failed = true
    runs.push({ name, status: 'ran', ...result })
  }
  fs.rmSync(scratch, { recursive: true, force: true })
  return pipelineRun(runs, status.failed)
}

export interface AzureOptions extends CommonOptions {
  /** Pipeline and predefined variables (`Build.Reason`, `System.AccessToken`, …). */
  variables: Record<string, string>
}

export async function runAzurePipeline(file: string, opts: AzureOptions): Promise<PipelineRun> {
  const pipeline = YAML.parse(fs.readFileSync(file, 'utf8'))
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-azp-'))
  const variables = new Map<string, string>()
  const names = new Map<string, string>()
  const setVariable = (name: string, value: string) => {
    variables.set(name.toLowerCase(), value)
    names.set(name.toLowerCase(), name)
  }
  setVariable('System.DefaultWorkingDirectory', opts.cwd)
  for (const [k, v] of Object.entries(pipeline.variables ?? {})) setVariable(k, String(v))
  for (const [k, v] of Object.entries({ ...opts.override, ...opts.variables })) setVariable(k, v)
  // Macros `$(Name)` are replaced only for variables that exist; the rest is left for bash, as Azure does.
  const macros = (text: string) => text.replace(/\$\(([\w.]+)\)/g, (whole, name: string) => variables.get(name.toLowerCase()) ?? whole)
  const status = { failed: false }
  const prepended: string[] = []

  const runs: StepRun[] = []
  for (const [i, step] of (pipeline.steps as any[]).entries()) {
    const name: string = step.displayName ?? step.task ?? (step.checkout ? 'checkout' : step.publish ? `publish ${step.publish}` : `step ${i + 1}`)
    if (step.script === undefined || opts.skip?.includes(name)) {
      runs.push({ name, status: 'not-runnable', stdout: '', stderr: '' })
      continue
    }
    if (!evalAzure(step.condition ?? 'succeeded()', { variables, status })) {
      runs.push({ name, status: 'skipped', stdout: '', stderr: '' })
      continue
    }
    // Every variable is in the environment, upper-cased with dots as underscores; secrets only via env:.
    const fromVariables: Record<string, string> = {}
    for (const [key, value] of variables) {
      if (key !== 'system.accesstoken') fromVariables[names.get(key)!.replace(/\./g, '_').toUpperCase()] = value
    }
    const stepEnv = {
      ...opts.baseEnv,
      ...fromVariables,
      PATH: [...prepended, opts.baseEnv.PATH].join(path.delimiter),
      TF_BUILD: 'True',
      ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, macros(String(v))])),
    }
    // The script task on Linux: bash without -e; the step fails when the script's exit code is not 0.
    const result = await bash(['--noprofile', '--norc'], macros(String(step.script)), stepEnv, opts.cwd, scratch)
    for (const line of result.stdout.split('\n')) {
      const set = /^##vso\[task\.setvariable variable=([^;\]]+)[^\]]*\](.*)$/.exec(line)
      if (set) setVariable(set[1], set[2])
      const prepend = /^##vso\[task\.prependpath\](.*)$/.exec(line)
      if (prepend) prepended.unshift(prepend[1])
    }
    if (result.exitCode !== 0) status.failed = true
    runs.push({ name, status: 'ran', ...result })
  }
  fs.rmSync(scratch, { recursive: true, force: true })
  return pipelineRun(runs, status.failed)
}

function pipelineRun(steps: StepRun[], failed: boolean): PipelineRun {
  return {
    steps,
    failed,
    step(name) {
      const s = steps.find((x) => x.name === name)
      if (!s) throw new Error(`no step named '${name}' (steps: ${steps.map((x) => x.name).join(', ')})`)
      return s
    },
  }
}

function bash(flags: string[], script: string, env: Record<string, string>, cwd: string, scratch: string) {
  const file = path.join(scratch, `step-${Date.now()}-${Math.random().toString(36).slice(2)}.sh`)
  fs.writeFileSync(file, script)
  return new Promise<{ exitCode: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn('bash', [...flags, file], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ exitCode: code ?? 1, stdout, stderr }))
  })
}

/** `key=value` lines and `key<<DELIMITER` blocks, as GITHUB_OUTPUT and GITHUB_ENV hold them. */
function readKeyValues(file: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = fs.readFileSync(file, 'utf8').split('\n')
  for (let i = 0; i < lines.length; i++) {
    const block = /^([^=<]+)<<(.+)$/.exec(lines[i])
    if (block) {
      const end = lines.indexOf(block[2], i + 1)
      out[block[1]] = lines.slice(i + 1, end).join('\n')
      i = end
    } else if (lines[i].includes('=')) {
      const at = lines[i].indexOf('=')
      out[lines[i].slice(0, at)] = lines[i].slice(at + 1)
    }
  }
  return out
}
