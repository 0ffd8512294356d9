import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { localUser, type Tag } from '@railyard/sdk'

const exec = promisify(execFile)

/** MLflow's limit on a run tag value. */
const TAG_VALUE_MAX = 8000

export interface GitInfo {
  commit: string
  branch?: string
  repoUrl?: string
  /** Uncommitted changes to tracked files (untracked files, like a local .railyard/, don't count). */
  dirty: boolean
}

/** The git state of `cwd`, or undefined outside a repository or without git. */
export async function gitInfo(cwd: string): Promise<GitInfo | undefined> {
  const git = async (...args: string[]) => {
    try {
      const { stdout } = await exec('git', args, { cwd, timeout: 5000, windowsHide: true })
      return stdout.trim()
    } catch {
      return undefined
    }
  }
  const commit = await git('rev-parse', '--verify', '--quiet', 'HEAD')
  if (!commit) return undefined
  const [branch, repoUrl, status] = await Promise.all([
    git('rev-parse', '--abbrev-ref', 'HEAD'),
    git('config', '--get', 'remote.origin.url'),
    git('status', '--porcelain', '--untracked-files=no'),
  ])
  return {
    commit,
    branch: branch && branch !== 'HEAD' ? branch : undefined,
    repoUrl: repoUrl || undefined,
    dirty: status === undefined ? false : status.length > 0,
  }
}

/**
 * Where the code's git repository is looked for: the folder of the script the command runs (as
 * MLflow takes the commit of the script's repository), else the working folder.
 */
export function codeFolderOf(command: string[], cwd = process.cwd()): string {
  const script = path.resolve(cwd, sourceName(command))
  try {
    if (fs.statSync(script).isFile()) return path.dirname(script)
  } catch {
    // A module name (python -m pkg) or a program on PATH: the working folder it is.
  }
  return cwd
}

/** The tags `railyard run` puts on its run, under MLflow's names where MLflow has one. */
export function runTags(command: string[], git: GitInfo | undefined): Tag[] {
  const tags: Tag[] = [
    { key: 'mlflow.source.type', value: 'LOCAL' },
    { key: 'mlflow.source.name', value: clipTag(sourceName(command)) },
    { key: 'railyard.command', value: clipTag(commandLine(command)) },
  ]
  const user = currentUser()
  if (user) tags.push({ key: 'mlflow.user', value: user })
  if (git) {
    tags.push({ key: 'mlflow.source.git.commit', value: git.commit })
    tags.push({ key: 'railyard.git.dirty', value: String(git.dirty) })
    if (git.branch) tags.push({ key: 'mlflow.source.git.branch', value: git.branch })
    if (git.repoUrl) tags.push({ key: 'mlflow.source.git.repoURL', value: clipTag(git.repoUrl) })
  }
  return tags
}

/** Who runs it, as the registry and audit log name them: RAILYARD_USER, else the OS user. */
export function currentUser(): string | undefined {
  return localUser()
}

const INTERPRETERS = /^(python[\d.]*|pypy[\d.]*|node|deno|bun|ruby|perl|Rscript|julia|bash|sh|zsh|tsx|ts-node)$/
// Interpreter options whose value is the next argument: that value is not the script.
const OPTIONS_WITH_VALUES = new Set(['--import', '-r', '--require', '--loader', '--experimental-loader', '--env-file', '-W', '-X', '--conditions', '-C'])
// Options after which there is no script file (code on the command line).
const INLINE_CODE = new Set(['-c', '-e', '--eval', '-p', '--print'])
// Launchers that run the command after them: `npx tsx train.ts`, `uv run python train.py`.
const LAUNCHERS: Record<string, 1 | 2> = { npx: 1, bunx: 1, uv: 2, poetry: 2, pipenv: 2 }

/**
 * What MLflow calls the source: the script being run. `python -m pkg.train` → `pkg.train`,
 * `python train.py --lr 1` → `train.py`, `./train.sh` → `./train.sh`.
 */
export function sourceName(command: string[]): string {
  const [program, ...args] = command
  const name = path.basename(program)
  const skip = LAUNCHERS[name]
  if (skip !== undefined) {
    // `uv run …` / `poetry run …`: the command starts after the subcommand; `npx tsx …` right away.
    let rest = skip === 2 ? (args[0] === 'run' ? args.slice(1) : []) : args
    while (rest.length > 0 && rest[0].startsWith('-')) rest = rest.slice(1) // the launcher's own flags
    if (rest.length > 0) return sourceName(rest)
  }
  if (!INTERPRETERS.test(name)) return program
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (arg === '-m' && args[i + 1]) return args[i + 1]
    if (INLINE_CODE.has(arg)) return program
    if (OPTIONS_WITH_VALUES.has(arg)) {
      i++
      continue
    }
    if (!arg.startsWith('-')) return arg
  }
  return program
}

/** The command as one would type it in a POSIX shell. */
export function commandLine(command: string[]): string {
  return command.map(shellQuote).join(' ')
}

function shellQuote(arg: string): string {
  if (arg !== '' && /^[\w@%+=:,./-]+$/.test(arg)) return arg
  return `'${arg.replace(/'/g, `'\\''`)}'`
}

function clipTag(value: string): string {
  return value.length > TAG_VALUE_MAX ? `${value.slice(0, TAG_VALUE_MAX - 1)}…` : value
}
