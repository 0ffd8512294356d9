import { BlobKeyError } from './blob.js'

/** S3 caps a key at 1,024 bytes of UTF-8 and Azure at 1,024 characters; the byte limit covers both. */
export const MAX_KEY_BYTES = 1024

// Control characters can't round-trip through S3's XML listings and have no business in a path.
const CONTROL = /[\u0000-\u001f\u007f]/
const WINDOWS_DRIVE = /^[a-zA-Z]:(\/|$)/

/**
 * Why `key` is not a valid blob key, or undefined when it is. The rules are the same for every
 * adapter, so a key that works on one works on all: a relative `/`-separated path with no empty,
 * `.` or `..` segments, no backslash or control characters, no drive letter, and none of those
 * hidden behind percent-encoding (`%2e%2e`, `%5c`), since some layer may decode a key once more.
 */
export function keyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string' || key === '') return 'empty key'
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return `longer than ${MAX_KEY_BYTES} bytes`
  for (const form of decodedForms(key)) {
    const problem = pathProblem(form, false)
    if (problem) return form === key ? problem : `${problem} once percent-decoded`
  }
  return undefined
}

/**
 * Why `prefix` is not a valid listing prefix. A prefix is a plain string match, so it may be empty,
 * end with `/` or end in a partial segment (`runs/ab` matches `runs/abc`); otherwise it follows the
 * key rules.
 */
export function prefixProblem(prefix: unknown): string | undefined {
  if (typeof prefix !== 'string') return 'prefix must be a string'
  if (prefix === '') return undefined
  if (Buffer.byteLength(prefix) > MAX_KEY_BYTES) return `longer than ${MAX_KEY_BYTES} bytes`
  for (const form of decodedForms(prefix)) {
    const problem = pathProblem(form, true)
    if (problem) return form === prefix ? problem : `${problem} once percent-decoded`
  }
  return undefined
}

/** Throws BlobKeyError unless `key` is a valid key. */
export function checkKey(key: string): string {
  const problem = keyProblem(key)
  if (problem) throw new BlobKeyError(String(key), problem)
  return key
}

/** Throws BlobKeyError unless `prefix` is a valid listing prefix. */
export function checkPrefix(prefix: string): string {
  const problem = prefixProblem(prefix)
  if (problem) throw new BlobKeyError(String(prefix), problem)
  return prefix
}

function pathProblem(path: string, isPrefix: boolean): string | undefined {
  if (path.includes('\0')) return 'contains NUL'
  if (CONTROL.test(path)) return 'contains a control character'
  if (path.includes('\\')) return 'contains a backslash'
  if (path.startsWith('/')) return 'keys are relative and must not start with /'
  if (WINDOWS_DRIVE.test(path)) return 'starts with a drive letter'
  const segments = path.split('/')
  // A prefix's last segment is partial ('' after a trailing slash, or the start of a name).
  const whole = isPrefix ? segments.slice(0, -1) : segments
  if (!isPrefix && path.endsWith('/')) return 'keys must not end with /'
  for (const segment of whole) {
    if (segment === '') return 'has an empty path segment'
    if (segment === '.' || segment === '..') return "must not contain '.' or '..' segments"
  }
  return undefined
}

/** The key itself, then each further percent-decoding of it while that changes it and is valid. */
function decodedForms(key: string): string[] {
  const forms = [key]
  let current = key
  for (let i = 0; i < 4 && current.includes('%'); i++) {
    let next: string
    try {
      next = decodeURIComponent(current)
    } catch {
      break
    }
    if (next === current) break
    forms.push(next)
    current = next
  }
  return forms
}

/** Orders keys as S3 lists them: by the bytes of their UTF-8 encoding (not UTF-16 code units). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}
