import fs from 'node:fs'
import os from 'node:os'
import { execFileSync } from 'node:child_process'

export interface MachineFacts {
  cpu: string
  cores: number
  memoryGiB: number
  os: string
  node: string
  filesystem: string
  loadAverage: string
}

export function machineFacts(dir: string): MachineFacts {
  const osRelease = fs.existsSync('/etc/os-release') ? /^PRETTY_NAME="?([^"\n]*)"?/m.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] : undefined
  let filesystem = 'unknown'
  try {
    filesystem = execFileSync('stat', ['-f', '-c', '%T', dir], { encoding: 'utf8' }).trim()
  } catch {
    // not Linux coreutils
  }
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: osRelease ?? `${os.type()} ${os.release()}`,
    node: process.version,
    filesystem,
    loadAverage: os.loadavg().map((l) => l.toFixed(1)).join(' '),
  }
}

export const MB = 1e6

export function mbps(bytes: number, seconds: number): string {
  return (bytes / MB / seconds).toFixed(0)
}

export function secs(seconds: number): string {
  return seconds < 1 ? `${(seconds * 1000).toFixed(0)} ms` : `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`
}

const HEADING = '## Data versioning'
/** Ends the generated part of the section; what follows it (the analysis, written by people) is kept. */
export const GENERATED_END = '<!-- bench:data results end; the notes below are kept when the results are rewritten -->'

/**
 * Puts `section` (starting with the `## Data versioning` heading) into the benchmarks page,
 * replacing the old results and leaving every other section, and the notes after GENERATED_END
 * in this one, as they are. The file is read right before it is written, since other benchmarks
 * write their own sections of it.
 */
export function writeDocsSection(file: string, section: string): void {
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n'
  const start = current.indexOf(`\n${HEADING}\n`)
  const generated = `${section.trimEnd()}\n\n${GENERATED_END}\n`
  let next: string
  if (start < 0) {
    next = `${current.trimEnd()}\n\n${generated}`
  } else {
    const after = current.indexOf('\n## ', start + 1)
    const end = after < 0 ? current.length : after
    const old = current.slice(start, end)
    const marker = old.indexOf(GENERATED_END)
    const notes = marker < 0 ? '' : old.slice(marker + GENERATED_END.length).replace(/^\n+/, '\n')
    next = `${current.slice(0, start).trimEnd()}\n\n${generated}${notes.trimEnd() ? `${notes.trimEnd()}\n` : ''}${current.slice(end)}`
  }
  fs.writeFileSync(file, next)
}
