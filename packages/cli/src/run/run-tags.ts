import { execFile } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import type { Tag } from '@railyard/sdk'

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

export function currentUser(): string | undefined {
  try {
    return os.userInfo().username
  } catch {
    return process.env.USER || undefined
  }
}

const INTERPRETERS = /^(python[\d.]*|pypy[\d.]*|node|deno|bun|ruby|perl|Rscript|julia|bash|sh|zsh)$/

/**
 * What MLflow calls the source: the script being run. `python -m pkg.train` → `pkg.train`,
 * `python train.py --lr 1` → `train.py`, `./train.sh` → `./train.sh`.
 */
export function sourceName(command: string[]): string {
  const [program, ...args] = command
  if (!INTERPRETERS.test(path.basename(program))) return program
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-m' && args[i + 1]) return args[i + 1]
    if (!args[i].startsWith('-')) return args[i]
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
