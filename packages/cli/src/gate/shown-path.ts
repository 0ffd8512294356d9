import path from 'node:path'

/**
 * How messages and reports name a file: relative to the working directory when it lies inside it
 * (`examples/ci/behaviour.jsonl`), absolute otherwise (never `../../work/…`).
 */
export function shownPath(file: string): string {
  const abs = path.resolve(file)
  const rel = path.relative(process.cwd(), abs)
  const outside = rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)
  return outside ? abs : rel
}
