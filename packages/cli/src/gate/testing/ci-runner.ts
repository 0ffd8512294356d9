import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

/**
 * What the CI runners (github-runner.ts, azure-runner.ts, gitlab-runner.ts) share: the result of
 * a run, the options every service takes, and running one script in bash. Each runner runs a
 * template's own commands on this machine the way its service would: the text as written, with
 * the environment, conditions and hand-overs between steps or jobs the service gives them.
 */

export interface StepRun {
  /** The step's name; for GitLab, whose unit of work is the job, the job's name. */
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

export interface CommonOptions {
  /**
   * The repository checkout. Each run (GitLab, GitHub: each job) works in a fresh copy of it, as on
   * a hosted runner, so files one run leaves behind never reach the next.
   */
  cwd: string
  /** The runner machine's environment (PATH, HOME, caches …), before the template's own. */
  baseEnv: Record<string, string>
  /** Step names (GitLab: job names) not to run. */
  skip?: string[]
  /**
   * New values for variables the template defines (its `env:` / `variables:`), as a pull request
   * editing them would set them; the commands stay as written.
   */
  override?: Record<string, string>
}

export function pipelineRun<T extends object = object>(steps: StepRun[], failed: boolean, extra?: T): PipelineRun & T {
  return {
    ...(extra as T),
    steps,
    failed,
    step(name) {
      const s = steps.find((x) => x.name === name)
      if (!s) throw new Error(`no step named '${name}' (steps: ${steps.map((x) => x.name).join(', ')})`)
      return s
    },
  }
}

/** A fresh copy of the checkout in `scratch` (symbolic links stay links). */
export function freshCheckout(checkout: string, scratch: string, name: string): string {
  const dir = path.join(scratch, name)
  fs.cpSync(checkout, dir, { recursive: true, verbatimSymlinks: true })
  return dir
}

export function bash(flags: string[], script: string, env: Record<string, string>, cwd: string, scratch: string) {
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
