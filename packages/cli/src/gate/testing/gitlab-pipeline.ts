import { evalGitlab } from './ci-expressions.js'

/**
 * Turns a `.gitlab-ci.yml` into the pipeline GitLab would create for one set of predefined and
 * project variables: `workflow: rules:`, hidden jobs and `extends:`, `default:`, each job's
 * `rules:` (or `when:`), its stage, `needs:` and `dependencies:`, and its `artifacts:`. Keywords
 * that change nothing when the jobs run on one machine (image, cache, tags, …) are accepted and
 * ignored; any other keyword throws, so a template using something this does not model fails the
 * test instead of being misread.
 */

export type When = 'on_success' | 'on_failure' | 'always'

export interface GitlabJob {
  name: string
  stage: string
  when: When
  allowFailure: boolean
  /** `before_script` then `script`: one shell session, as GitLab runs them. */
  commands: string[]
  /** The job's own `variables:`. */
  variables: Record<string, string>
  /** The jobs it waits for; undefined: every job of the earlier stages. */
  needs?: Need[]
  /** Whose artifacts it fetches when it has no `needs:`; undefined: every earlier stage's. */
  dependencies?: string[]
  artifacts?: { paths: string[]; dotenv?: string; when: When }
}

export interface Need {
  job: string
  /** Whether its artifacts (files and dotenv variables) come along. */
  artifacts: boolean
  /** Whether it may be missing from the pipeline. */
  optional: boolean
}

export interface GitlabPipeline {
  /** False when `workflow: rules:` create no pipeline for these variables. */
  created: boolean
  /** The jobs in the order they can run: by stage, then as written. */
  jobs: GitlabJob[]
  /** The top-level `variables:`. */
  variables: Record<string, string>
}

const TOP_LEVEL = new Set(['workflow', 'stages', 'variables', 'default'])
// GitLab's other global keywords: never job names.
const UNSUPPORTED_TOP_LEVEL = new Set(['include', 'image', 'services', 'cache', 'before_script', 'after_script', 'spec'])
const JOB_KEYS = new Set(['stage', 'script', 'before_script', 'rules', 'when', 'needs', 'dependencies', 'artifacts', 'variables', 'allow_failure'])
// Where the job runs, caching and UI: nothing that changes what the commands do here.
const IGNORED_JOB_KEYS = new Set(['image', 'cache', 'tags', 'interruptible', 'resource_group', 'environment', 'timeout'])
const ARTIFACT_KEYS = new Set(['paths', 'when', 'reports'])
const IGNORED_ARTIFACT_KEYS = new Set(['expose_as', 'name', 'expire_in'])
const DEFAULT_STAGES = ['build', 'test', 'deploy']

/**
 * Rules see the predefined variables, the YAML's own (`override` replacing some) and the
 * project's CI/CD variables, which win over the YAML's, as in GitLab.
 */
export function planGitlabPipeline(
  config: Record<string, any>,
  vars: { predefined: Record<string, string>; project: Record<string, string>; override?: Record<string, string> },
): GitlabPipeline {
  for (const [key, value] of Object.entries(config)) {
    const isJob = !UNSUPPORTED_TOP_LEVEL.has(key) && value && typeof value === 'object' && !Array.isArray(value)
    if (!TOP_LEVEL.has(key) && !isJob) throw new Error(`top-level keyword '${key}' is not supported here`)
  }
  const globalVariables = { ...stringValues(config.variables, 'variables'), ...vars.override }
  const ruleVariables = (job: Record<string, string> = {}) => ({ ...vars.predefined, ...globalVariables, ...job, ...vars.project })
  for (const key of Object.keys(config.workflow ?? {})) if (key !== 'rules') throw new Error(`workflow: ${key} is not supported here`)
  if (config.workflow?.rules && ruleOutcome(config.workflow.rules, ruleVariables(), 'always') === 'never') {
    return { created: false, jobs: [], variables: globalVariables }
  }
  const stages = ['.pre', ...(config.stages ?? DEFAULT_STAGES), '.post']
  const defaults = config.default ?? {}
  for (const key of Object.keys(defaults)) {
    if (key !== 'before_script' && !IGNORED_JOB_KEYS.has(key)) throw new Error(`default: ${key} is not supported here`)
  }

  const jobs: GitlabJob[] = []
  for (const name of Object.keys(config)) {
    if (TOP_LEVEL.has(name) || name.startsWith('.')) continue
    const job = resolveExtends(config, name, [])
    for (const key of Object.keys(job)) {
      if (!JOB_KEYS.has(key) && !IGNORED_JOB_KEYS.has(key)) throw new Error(`job '${name}': keyword '${key}' is not supported here`)
    }
    const jobVariables = stringValues(job.variables, `${name}: variables`)
    const when = job.rules
      ? ruleOutcome(job.rules, ruleVariables(jobVariables), job.when ?? 'on_success')
      : whenOf(job.when ?? 'on_success', name)
    if (when === 'never') continue
    const stage = job.stage ?? 'test'
    if (!stages.includes(stage)) throw new Error(`job '${name}': stage '${stage}' is not in stages: ${stages.join(', ')}`)
    jobs.push({
      name,
      stage,
      when,
      allowFailure: job.allow_failure === true,
      commands: [...lines(job.before_script ?? defaults.before_script, name), ...lines(job.script, name)],
      variables: jobVariables,
      needs: job.needs?.map((n: unknown) => needOf(n, name)),
      dependencies: job.dependencies,
      artifacts: job.artifacts && artifactsOf(job.artifacts, name),
    })
  }
  const order = (j: GitlabJob) => stages.indexOf(j.stage)
  jobs.sort((a, b) => order(a) - order(b))
  const present = new Set(jobs.map((j) => j.name))
  for (const [i, job] of jobs.entries()) {
    // A need left out of the pipeline by its rules is an error, unless it is optional.
    job.needs = job.needs?.filter((n) => present.has(n.job) || !n.optional)
    for (const need of job.needs ?? []) {
      const at = jobs.findIndex((j) => j.name === need.job)
      if (at < 0) throw new Error(`job '${job.name}' needs '${need.job}', which is not in the pipeline`)
      if (at > i) throw new Error(`job '${job.name}' needs '${need.job}', which runs after it`)
    }
    for (const dep of job.dependencies ?? []) {
      if (!jobs.slice(0, i).some((j) => j.name === dep && order(j) < order(job))) throw new Error(`job '${job.name}': dependency '${dep}' is not in an earlier stage`)
    }
  }
  return { created: jobs.length > 0, jobs, variables: globalVariables }
}

/** The `when` of the first rule that matches (its own, else `fallback`), or 'never' when none does. */
function ruleOutcome(rules: any[], variables: Record<string, string>, fallback: string): When | 'never' {
  for (const rule of rules) {
    for (const key of Object.keys(rule)) if (key !== 'if' && key !== 'when') throw new Error(`rules: '${key}' is not supported here`)
    if (rule.if === undefined || evalGitlab(String(rule.if), variables)) return whenOf(rule.when ?? fallback, 'rules')
  }
  return 'never'
}

function whenOf(when: string, where: string): When | 'never' {
  if (['on_success', 'on_failure', 'always', 'never'].includes(when)) return when as When | 'never'
  throw new Error(`${where}: when: ${when} is not supported here`)
}

/** A job with its `extends:` merged in: hashes deeply, anything else replaced by the job's own. */
function resolveExtends(config: Record<string, any>, name: string, seen: string[]): Record<string, any> {
  if (seen.includes(name)) throw new Error(`extends loops: ${[...seen, name].join(' → ')}`)
  const job = config[name]
  if (!job) throw new Error(`'${seen.at(-1)}' extends '${name}', which does not exist`)
  const { extends: parents, ...own } = job
  let merged: Record<string, any> = {}
  for (const parent of [parents ?? []].flat()) merged = deepMerge(merged, resolveExtends(config, parent, [...seen, name]))
  return deepMerge(merged, own)
}

function deepMerge(base: Record<string, any>, over: Record<string, any>): Record<string, any> {
  const out = { ...base }
  for (const [k, v] of Object.entries(over)) {
    const isHash = (x: unknown) => x && typeof x === 'object' && !Array.isArray(x)
    out[k] = isHash(v) && isHash(out[k]) ? deepMerge(out[k], v) : v
  }
  return out
}

function needOf(need: unknown, job: string): Need {
  if (typeof need === 'string') return { job: need, artifacts: true, optional: false }
  const n = need as Record<string, unknown>
  for (const key of Object.keys(n)) if (!['job', 'artifacts', 'optional'].includes(key)) throw new Error(`job '${job}': needs: ${key} is not supported here`)
  return { job: String(n.job), artifacts: n.artifacts !== false, optional: n.optional === true }
}

function artifactsOf(a: Record<string, any>, job: string): NonNullable<GitlabJob['artifacts']> {
  for (const key of Object.keys(a)) {
    if (!ARTIFACT_KEYS.has(key) && !IGNORED_ARTIFACT_KEYS.has(key)) throw new Error(`job '${job}': artifacts: ${key} is not supported here`)
  }
  for (const key of Object.keys(a.reports ?? {})) if (key !== 'dotenv') throw new Error(`job '${job}': artifacts: reports: ${key} is not supported here`)
  const paths: string[] = a.paths ?? []
  for (const p of paths) if (/[*?[]/.test(p) || outsideProject(p)) throw new Error(`job '${job}': artifact path '${p}' (only plain paths inside the project are supported here)`)
  const when = whenOf(a.when ?? 'on_success', `job '${job}': artifacts`)
  if (when === 'never') throw new Error(`job '${job}': artifacts: when: never`)
  return { paths, dotenv: a.reports?.dotenv, when }
}

function outsideProject(p: string): boolean {
  return p.startsWith('/') || p.split('/').includes('..')
}

function lines(value: unknown, job: string): string[] {
  if (value === undefined) return []
  const list = [value].flat(Infinity)
  if (!list.every((l) => typeof l === 'string')) throw new Error(`job '${job}': a script line is not a string`)
  return list as string[]
}

function stringValues(vars: Record<string, unknown> | undefined, where: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(vars ?? {})) {
    if (v === null || typeof v === 'object') throw new Error(`${where}: ${k} must be a plain value here`)
    // GitLab expands $OTHER inside values; the templates do that in their scripts instead.
    if (/\$/.test(String(v))) throw new Error(`${where}: ${k} refers to another variable, which this runner does not expand`)
    out[k] = String(v)
  }
  return out
}
