/**
 * MLflow leaves unset fields and empty lists out of responses ("a search with no hits returns {}");
 * this does the same for any response object.
 */
export function compact<T>(value: T): T {
  if (Array.isArray(value)) return value.map(compact) as T
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue
    if (Array.isArray(v) && v.length === 0) continue
    out[k] = compact(v)
  }
  return out as T
}
