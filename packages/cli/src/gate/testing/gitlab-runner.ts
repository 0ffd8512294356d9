import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import YAML from 'yaml'
import { bash, freshCheckout, pipelineRun, type CommonOptions, type PipelineRun, type StepRun } from './ci-runner.js'
import { planGitlabPipeline, type GitlabJob } from './gitlab-pipeline.js'

/**
 * Runs a `.gitlab-ci.yml` on this machine the way GitLab would run the pipeline it creates (see
 * gitlab-pipeline.ts): job after job by stage, each in a fresh copy of the checkout, its
 * `before_script` and `script` in one bash session that stops at the first failing command; a
 * job runs or is skipped by its `when` and the jobs before it (its `needs:`, else every earlier
 * stage); artifacts (files and dotenv variables) are kept by `artifacts: when` and handed to the
 * jobs that need or depend on it. A job that fails without `allow_failure` fails the pipeline.
 */

export interface GitlabOptions extends CommonOptions {
  /** The pipeline's predefined variables: CI_PIPELINE_SOURCE, CI_COMMIT_BRANCH, CI_MERGE_REQUEST_IID, … */
  predefined: Record<string, string>
  /** The project's CI/CD variables (Settings › CI/CD › Variables). */
  variables: Record<string, string>
  /** Script lines not to run (dependency installation, which the checkout already has). */
  skipCommands?: string[]
}

export interface GitlabRun extends PipelineRun {
  /** False when `workflow: rules:` create no pipeline; then there are no jobs either. */
  created: boolean
}

interface Kept {
  dir: string
  dotenv: Record<string, string>
}

export async function runGitlabPipeline(file: string, opts: GitlabOptions): Promise<GitlabRun> {
  const config = YAML.parse(fs.readFileSync(file, 'utf8'))
  const pipeline = planGitlabPipeline(config, { predefined: opts.predefined, project: opts.variables, override: opts.override })
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-glci-'))
  const stageOf = new Map(pipeline.jobs.map((j) => [j.name, j.stage]))
  const stages = [...new Set(pipeline.jobs.map((j) => j.stage))]
  const earlier = (job: GitlabJob) => pipeline.jobs.filter((j) => stages.indexOf(stageOf.get(j.name)!) < stages.indexOf(job.stage)).map((j) => j.name)
  // Jobs that failed, and jobs skipped because something before them failed: both stop on_success jobs after them.
  const failing = new Set<string>()
  const kept = new Map<string, Kept>()
  let failed = false

  const runs: StepRun[] = []
  for (const job of pipeline.jobs) {
    const upstream = job.needs ? job.needs.map((n) => n.job) : earlier(job)
    const upstreamFailed = upstream.some((name) => failing.has(name))
    const runIt = job.when === 'always' ? true : job.when === 'on_failure' ? upstreamFailed : !upstreamFailed
    if (!runIt) {
      if (job.when === 'on_success') failing.add(job.name)
      runs.push({ name: job.name, status: 'skipped', stdout: '', stderr: '' })
      continue
    }
    if (opts.skip?.includes(job.name)) {
      runs.push({ name: job.name, status: 'not-runnable', stdout: '', stderr: '' })
      continue
    }
    const dir = freshCheckout(opts.cwd, scratch, `job-${job.name}`)
    const sources = job.needs ? job.needs.filter((n) => n.artifacts).map((n) => n.job) : (job.dependencies ?? earlier(job))
    const dotenv: Record<string, string> = {}
    for (const source of sources) {
      const artifacts = kept.get(source)
      if (!artifacts) continue
      fs.cpSync(artifacts.dir, dir, { recursive: true, verbatimSymlinks: true })
      Object.assign(dotenv, artifacts.dotenv)
    }
    // Variable precedence, lowest first: predefined, the YAML's top level, the job's, dotenv reports, the project's.
    const env = {
      ...opts.baseEnv,
      ...opts.predefined,
      CI: 'true',
      GITLAB_CI: 'true',
      CI_JOB_NAME: job.name,
      CI_JOB_STAGE: job.stage,
      CI_PROJECT_DIR: dir,
      ...pipeline.variables,
      ...job.variables,
      ...dotenv,
      ...opts.variables,
    }
    const commands = job.commands.filter((c) => !opts.skipCommands?.includes(c))
    // GitLab's bash script: stop at the first command that fails, pipes included.
    const result = await bash(['--noprofile', '--norc'], `set -eo pipefail\n${commands.join('\n')}\n`, env, dir, scratch)
    const ok = result.exitCode === 0
    if (!ok && !job.allowFailure) {
      failing.add(job.name)
      failed = true
    }
    const when = job.artifacts?.when
    if (job.artifacts && (when === 'always' || (when === 'on_success' ? ok : !ok))) {
      kept.set(job.name, keep(job.artifacts, dir, path.join(scratch, `artifacts-${job.name}`)))
    }
    fs.rmSync(dir, { recursive: true, force: true })
    runs.push({ name: job.name, status: 'ran', ...result })
  }
  fs.rmSync(scratch, { recursive: true, force: true })
  return pipelineRun(runs, failed, { created: pipeline.created })
}

/** Copies a job's artifact paths out of its folder and reads its dotenv report; missing files are skipped, as GitLab warns and goes on. */
function keep(artifacts: NonNullable<GitlabJob['artifacts']>, from: string, to: string): Kept {
  fs.mkdirSync(to, { recursive: true })
  for (const p of artifacts.paths) {
    if (fs.existsSync(path.join(from, p))) fs.cpSync(path.join(from, p), path.join(to, p), { recursive: true })
  }
  const dotenv: Record<string, string> = {}
  const report = artifacts.dotenv && path.join(from, artifacts.dotenv)
  if (report && fs.existsSync(report)) {
    for (const line of fs.readFileSync(report, 'utf8').split('\n')) {
      if (line.trim() === '') continue
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line)
      if (!m) throw new Error(`${artifacts.dotenv}: '${line}' is not a KEY=VALUE line`)
      dotenv[m[1]] = m[2]
    }
  }
  return { dir: to, dotenv }
}
