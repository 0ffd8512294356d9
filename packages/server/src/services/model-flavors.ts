import { parse } from 'yaml'
import type { ObjectStore, TreeInfo } from '../objects/object-store.js'

// An MLmodel is a few KB; anything far larger is not one we should parse in the server.
const MAX_MLMODEL_BYTES = 1024 * 1024

/**
 * The flavors a registered version's MLmodel declares (e.g. `python_function`, `sklearn` from an
 * MLflow client, `railyard_js`), sorted; empty when the version has no readable MLmodel.
 */
export async function flavorsOfTree(objects: ObjectStore, tree: TreeInfo): Promise<string[]> {
  const mlmodel = tree.entries.find((e) => e.path === 'MLmodel')
  if (!mlmodel || mlmodel.size > MAX_MLMODEL_BYTES) return []
  try {
    const doc = parse((await objects.getBuffer(mlmodel.oid)).toString('utf8')) as { flavors?: unknown }
    const flavors = doc?.flavors
    return flavors && typeof flavors === 'object' && !Array.isArray(flavors) ? Object.keys(flavors).sort() : []
  } catch {
    return []
  }
}
