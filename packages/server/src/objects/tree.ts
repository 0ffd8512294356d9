import { InvalidTreeError } from './errors.js'

/** One file of a tree. */
export interface TreeEntry {
  /** Relative `/`-separated path, e.g. `model/MLmodel`. */
  path: string
  /** The file's object id, `sha256:…`. */
  oid: string
  /** Bytes. */
  size: number
}

/** Files that differ between two trees, by path. */
export interface TreeDiff {
  added: TreeEntry[]
  removed: TreeEntry[]
  /** Same path, different content. */
  changed: Array<{ path: string; from: TreeEntry; to: TreeEntry }>
  unchanged: number
}

/** Marks a tree object, so a tree is never confused with some other JSON that was stored. */
export const TREE_TYPE = 'railyard.tree'
export const TREE_VERSION = 1

const OID = /^sha256:[0-9a-f]{64}$/

/**
 * The canonical bytes of a tree: `{"entries":[{"oid":…,"path":…,"size":…},…],"type":"railyard.tree","version":1}`
 * with keys in this order, no whitespace, UTF-8, entries sorted by the UTF-8 bytes of their
 * paths. Any implementation that writes exactly this gets the same tree id.
 */
export function serializeTree(entries: TreeEntry[]): { bytes: Buffer; sorted: TreeEntry[] } {
  const sorted = entries.map(checkEntry).sort(byPath)
  checkPaths(sorted)
  const body = sorted.map((e) => `{"oid":${JSON.stringify(e.oid)},"path":${JSON.stringify(e.path)},"size":${e.size}}`)
  const json = `{"entries":[${body.join(',')}],"type":"${TREE_TYPE}","version":${TREE_VERSION}}`
  return { bytes: Buffer.from(json, 'utf8'), sorted }
}

/** Parses tree bytes back into entries, rejecting anything that is not a canonical tree. */
export function parseTree(bytes: Buffer): TreeEntry[] {
  let doc: unknown
  try {
    doc = JSON.parse(bytes.toString('utf8'))
  } catch {
    throw new InvalidTreeError('not JSON')
  }
  const d = doc as { type?: unknown; version?: unknown; entries?: unknown }
  if (!d || typeof d !== 'object' || d.type !== TREE_TYPE) throw new InvalidTreeError(`not a ${TREE_TYPE} object`)
  if (d.version !== TREE_VERSION) throw new InvalidTreeError(`unsupported version ${String(d.version)}`)
  if (!Array.isArray(d.entries)) throw new InvalidTreeError('entries is not a list')
  const { bytes: canonical, sorted } = serializeTree(d.entries as TreeEntry[])
  if (!canonical.equals(bytes)) throw new InvalidTreeError('not in canonical form')
  return sorted
}

/** What changed from tree `a` to tree `b`. */
export function diffTrees(a: TreeEntry[], b: TreeEntry[]): TreeDiff {
  const before = new Map(a.map((e) => [e.path, e]))
  const out: TreeDiff = { added: [], removed: [], changed: [], unchanged: 0 }
  for (const e of b) {
    const old = before.get(e.path)
    if (!old) out.added.push(e)
    else if (old.oid !== e.oid) out.changed.push({ path: e.path, from: old, to: e })
    else out.unchanged++
    before.delete(e.path)
  }
  out.removed = [...before.values()].sort(byPath)
  return out
}

/** Checks a path the way blob keys are checked, so every tree path can become a key or a file. */
export function checkTreePath(path: string): void {
  if (typeof path !== 'string' || path === '') throw new InvalidTreeError('empty path')
  if (path.includes('\0') || path.includes('\\')) throw new InvalidTreeError(`path '${path}' contains NUL or a backslash`)
  if (path.startsWith('/') || path.endsWith('/')) throw new InvalidTreeError(`path '${path}' starts or ends with /`)
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new InvalidTreeError(`path '${path}' has an empty, '.' or '..' segment`)
    }
  }
}

function checkEntry(e: TreeEntry): TreeEntry {
  if (!e || typeof e !== 'object') throw new InvalidTreeError('an entry is not an object')
  checkTreePath(e.path)
  if (typeof e.oid !== 'string' || !OID.test(e.oid)) throw new InvalidTreeError(`entry '${e.path}' has an invalid oid`)
  if (!Number.isSafeInteger(e.size) || e.size < 0) throw new InvalidTreeError(`entry '${e.path}' has an invalid size`)
  return { path: e.path, oid: e.oid, size: e.size }
}

function byPath(a: TreeEntry, b: TreeEntry): number {
  return Buffer.compare(Buffer.from(a.path, 'utf8'), Buffer.from(b.path, 'utf8'))
}

/** No duplicates, and no path that is both a file and a folder (`a` and `a/b`). */
function checkPaths(sorted: TreeEntry[]): void {
  const files = new Set<string>()
  for (const e of sorted) {
    if (files.has(e.path)) throw new InvalidTreeError(`duplicate path '${e.path}'`)
    files.add(e.path)
  }
  for (const e of sorted) {
    const parts = e.path.split('/')
    for (let i = 1; i < parts.length; i++) {
      const folder = parts.slice(0, i).join('/')
      if (files.has(folder)) throw new InvalidTreeError(`'${folder}' is both a file and a folder`)
    }
  }
}
