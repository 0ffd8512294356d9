import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import YAML from 'yaml'
import { evalGithub, interpolateGithub } from './ci-expressions.js'
import { bash, freshCheckout, pipelineRun, type CommonOptions, type PipelineRun, type StepRun } from './ci-runner.js'

/**
 * Runs a GitHub Actions workflow's jobs on this machine, one after the other in file order (they
 * have no `needs:`, so GitHub runs them side by side): each job's `if:`, then, in a fresh copy of
 * the checkout, its steps' `run:` text in bash with the env the workflow sets, their `if:`
 * conditions, and the files through which steps pass values on (GITHUB_OUTPUT, GITHUB_ENV,
 * GITHUB_PATH). Marketplace actions cannot run here and are reported as not runnable, as are
 * steps named in `skip`.
 */

export interface GithubOptions extends CommonOptions {
  event: 'push' | 'pull_request'
  ref: string
  sha: string
  repository: string
  apiUrl: string
  runId: number
  prNumber?: number
  /** The repository the pull request's branch lives in (a fork's name); default: `repository`. */
  prHeadRepository?: string
  secrets: Record<string, string>
  vars: Record<string, string>
}

export interface GithubRun extends PipelineRun {
  jobs: Array<{ name: string; status: 'ran' | 'skipped' }>
}

type Contexts = Record<string, unknown>

/** Looks a dotted path up in `contexts`; a context the place does not offer is an error, as on GitHub. */
function lookupIn(contexts: Contexts) {
  return (p: string) => {
    const [root, ...rest] = p.split('.')
    if (!Object.hasOwn(contexts, root)) throw new Error(`the '${root}' context is not available here (${p})`)
    let v: unknown = contexts[root]
    for (const part of rest) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined
    return v === undefined ? '' : (v as string | number | boolean | null)
  }
}

export async function runGithubWorkflow(file: string, opts: GithubOptions): Promise<GithubRun> {
  const wf = YAML.parse(fs.readFileSync(file, 'utf8'))
  const event = {
    pull_request:
      opts.prNumber === undefined ? undefined : { number: opts.prNumber, head: { repo: { full_name: opts.prHeadRepository ?? opts.repository } } },
  }
  const github = {
    event_name: opts.event,
    ref: opts.ref,
    sha: opts.sha,
    repository: opts.repository,
    api_url: opts.apiUrl,
    server_url: 'https://github.com',
    run_id: opts.runId,
    event,
  }
  const jobs: GithubRun['jobs'] = []
  const steps: StepRun[] = []
  let failed = false
  for (const [id, job] of Object.entries(wf.jobs ?? {}) as Array<[string, any]>) {
    if (job.needs) throw new Error(`${file}: job '${id}' has needs:, which this runner does not follow`)
    // A job's `if:` sees github and vars, not secrets, env or steps.
    const condition = job.if === undefined ? 'success()' : String(job.if).replace(/^\$\{\{([\s\S]*)\}\}$/, '$1')
    if (!evalGithub(condition, { lookup: lookupIn({ github, vars: opts.vars }), status: { failed: false } })) {
      jobs.push({ name: id, status: 'skipped' })
      continue
    }
    const run = await runJob(job, { github, ...opts })
    jobs.push({ name: id, status: 'ran' })
    steps.push(...run.steps)
    failed ||= run.failed
  }
  return pipelineRun(steps, failed, { jobs })
}

async function runJob(job: any, opts: GithubOptions & { github: Contexts }): Promise<{ steps: StepRun[]; failed: boolean }> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-gha-'))
  const workspace = freshCheckout(opts.cwd, scratch, 'workspace')
  const files = { output: path.join(scratch, 'output'), env: path.join(scratch, 'env'), path: path.join(scratch, 'path') }
  const status = { failed: false }
  const stepResults: Record<string, { outputs: Record<string, string>; outcome: string }> = {}
  const addedEnv: Record<string, string> = {}
  const addedPath: string[] = []
  const secrets = { GITHUB_TOKEN: 'ghs-test-token', ...opts.secrets }
  // env: and with: values see secrets; a step's `if:` does not.
  const valueContexts: Contexts = { github: opts.github, vars: opts.vars, secrets, steps: stepResults, env: {} }
  const conditionContexts: Contexts = { github: opts.github, vars: opts.vars, steps: stepResults, env: {} }
  const values = { lookup: lookupIn(valueContexts), status }
  const evalEnv = (env: Record<string, string> | undefined) =>
    Object.fromEntries(Object.entries(env ?? {}).map(([k, v]) => [k, interpolateGithub(String(v), values)]))
  const jobEnv = { ...evalEnv(job.env), ...opts.override }

  const runs: StepRun[] = []
  for (const [i, step] of (job.steps as any[]).entries()) {
    const name: string = step.name ?? step.uses ?? `step ${i + 1}`
    const condition = step.if === undefined ? 'success()' : String(step.if).replace(/^\$\{\{([\s\S]*)\}\}$/, '$1')
    if (!step.run || opts.skip?.includes(name)) {
      runs.push({ name, status: 'not-runnable', stdout: '', stderr: '' })
      continue
    }
    const env = { ...jobEnv, ...addedEnv }
    valueContexts.env = env
    conditionContexts.env = env
    if (!evalGithub(condition, { lookup: lookupIn(conditionContexts), status })) {
      runs.push({ name, status: 'skipped', stdout: '', stderr: '' })
      if (step.id) stepResults[step.id] = { outputs: {}, outcome: 'skipped' }
      continue
    }
    for (const f of Object.values(files)) fs.writeFileSync(f, '')
    const script = interpolateGithub(String(step.run), values)
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
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: String(opts.runId),
      GITHUB_WORKSPACE: workspace,
      GITHUB_OUTPUT: files.output,
      GITHUB_ENV: files.env,
      GITHUB_PATH: files.path,
      ...env,
      ...evalEnv(step.env),
    }
    // GitHub's default shell on Linux runners.
    const result = await bash(['--noprofile', '--norc', '-eo', 'pipefail'], script, stepEnv, workspace, scratch)
    const outputs = readKeyValues(files.output)
    Object.assign(addedEnv, readKeyValues(files.env))
    addedPath.push(...fs.readFileSync(files.path, 'utf8').split('\n').filter(Boolean))
    if (step.id) stepResults[step.id] = { outputs, outcome: result.exitCode === 0 ? 'success' : 'failure' }
    if (result.exitCode !== 0) status.failed = true
    runs.push({ name, status: 'ran', ...result })
  }
  fs.rmSync(scratch, { recursive: true, force: true })
  return { steps: runs, failed: status.failed }
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
