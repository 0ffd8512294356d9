import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import YAML from 'yaml'
import { evalAzure } from './ci-expressions.js'
import { bash, freshCheckout, pipelineRun, type CommonOptions, type PipelineRun, type StepRun } from './ci-runner.js'

/**
 * Runs an Azure Pipelines file's steps on this machine, in a fresh copy of the checkout: the
 * `script:` text in bash with `$(Name)` macros replaced, every variable in the environment as
 * Azure puts it there, the steps' conditions, and the logging commands through which steps pass
 * values on (`##vso[task.setvariable]`, `##vso[task.prependpath]`). Tasks (checkout, NodeTool,
 * publish) cannot run here and are reported as not runnable, as are steps named in `skip`.
 */

export interface AzureOptions extends CommonOptions {
  /** Pipeline and predefined variables (`Build.Reason`, `System.AccessToken`, …). */
  variables: Record<string, string>
}

export async function runAzurePipeline(file: string, opts: AzureOptions): Promise<PipelineRun> {
  const pipeline = YAML.parse(fs.readFileSync(file, 'utf8'))
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-azp-'))
  const workspace = freshCheckout(opts.cwd, scratch, 'workspace')
  const variables = new Map<string, string>()
  const names = new Map<string, string>()
  const setVariable = (name: string, value: string) => {
    variables.set(name.toLowerCase(), value)
    names.set(name.toLowerCase(), name)
  }
  setVariable('System.DefaultWorkingDirectory', workspace)
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
    const result = await bash(['--noprofile', '--norc'], macros(String(step.script)), stepEnv, workspace, scratch)
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
