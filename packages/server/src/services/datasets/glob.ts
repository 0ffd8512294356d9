import { InvalidParameterError } from '@railyard/api'
import { keyProblem } from '../../blob/keys.js'

/**
 * Which files of a datastore a dataset takes: those under `root` (a folder, '' for all) whose path
 * relative to it matches the glob's pattern (if any), any include (default: all) and no exclude.
 */
export interface Selection {
  /** Folder inside the datastore, without slashes at either end; '' is the whole datastore. */
  root: string
  matches(relativePath: string): boolean
}

const WILDCARD = /[*?[{]/

/**
 * `*` matches within one path segment, `**` as a whole segment any number of segments (zero
 * included), `?` one character other than `/`, `[abc]`/`[!abc]` a character class, `{a,b}` either
 * alternative. Everything else matches itself.
 */
export function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${translate(glob)}$`, 'u')
}

/** Splits a datastore glob into its wildcard-free folder and the pattern below it. */
export function splitGlob(glob: string): { folder: string; pattern: string } {
  const segments = glob.split('/')
  const firstWild = segments.findIndex((s) => WILDCARD.test(s))
  // No wildcard: one exact file, found by listing its folder.
  const cut = firstWild === -1 ? segments.length - 1 : firstWild
  return { folder: segments.slice(0, cut).join('/'), pattern: segments.slice(cut).join('/') }
}

export function checkGlob(glob: string, what: string): void {
  if (glob === '' || glob.startsWith('/') || glob.includes('\\') || glob.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new InvalidParameterError(`Invalid ${what} '${glob}': use a relative '/'-separated pattern without empty, '.' or '..' segments`)
  }
  try {
    globToRegExp(glob)
  } catch (err) {
    throw new InvalidParameterError(`Invalid ${what} '${glob}': ${(err as Error).message}`)
  }
}

/** A folder path as stored: no slashes at either end; '' for the root. */
export function normalizeFolder(folder: string | undefined, what: string): string {
  const f = (folder ?? '').replace(/^\/+|\/+$/g, '')
  if (f === '') return ''
  const problem = keyProblem(f)
  if (problem) throw new InvalidParameterError(`Invalid ${what} '${folder}': ${problem}`)
  return f
}

export function selectionOf(def: { path: string; glob?: string | null; include: string[]; exclude: string[] }): Selection {
  const pattern = def.glob ? globToRegExp(splitGlob(def.glob).pattern) : undefined
  const include = def.include.map(globToRegExp)
  const exclude = def.exclude.map(globToRegExp)
  return {
    root: def.path,
    matches: (rel) =>
      (pattern === undefined || pattern.test(rel)) &&
      (include.length === 0 || include.some((r) => r.test(rel))) &&
      !exclude.some((r) => r.test(rel)),
  }
}

function translate(glob: string): string {
  let out = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]
    const atSegmentStart = i === 0 || glob[i - 1] === '/'
    if (c === '*' && glob[i + 1] === '*' && atSegmentStart && (i + 2 === glob.length || glob[i + 2] === '/')) {
      if (i + 2 === glob.length) {
        out += '.*'
        i += 1
      } else {
        out += '(?:[^/]*/)*'
        i += 2
      }
    } else if (c === '*') {
      while (glob[i + 1] === '*') i++
      out += '[^/]*'
    } else if (c === '?') {
      out += '[^/]'
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 2)
      if (end === -1) throw new Error('unclosed [')
      let body = glob.slice(i + 1, end)
      if (body.startsWith('!')) body = `^${body.slice(1)}`
      out += `(?![/])[${body.replace(/\\/g, '\\\\')}]`
      i = end
    } else if (c === '{') {
      const end = closingBrace(glob, i)
      const alternatives = splitTopLevel(glob.slice(i + 1, end))
      out += `(?:${alternatives.map(translate).join('|')})`
      i = end
    } else {
      out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
    }
  }
  return out
}

function closingBrace(glob: string, open: number): number {
  let depth = 0
  for (let i = open; i < glob.length; i++) {
    if (glob[i] === '{') depth++
    else if (glob[i] === '}' && --depth === 0) return i
  }
  throw new Error('unclosed {')
}

function splitTopLevel(body: string): string[] {
  const parts: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '{') depth++
    else if (body[i] === '}') depth--
    else if (body[i] === ',' && depth === 0) {
      parts.push(body.slice(start, i))
      start = i + 1
    }
  }
  parts.push(body.slice(start))
  return parts
}
